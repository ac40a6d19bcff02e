"""The shape of the code: the compute core knows nothing of HTTP (only topoalign.api and the serve command import web
frameworks); packages import each other without circles (the known ones named in a shrinking allow-list), and so do
the modules of the DBSCAN engines and of the store; routers leave array work to the services."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "backend" / "topoalign"
WEB = {"fastapi", "starlette", "pydantic", "pydantic_settings", "uvicorn"}


def test_core_has_no_web_imports():
    offenders = []
    for path in CORE.rglob("*.py"):
        rel = path.relative_to(CORE).as_posix()
        if rel.startswith("api/") or rel == "cli/serve.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{rel}: {n}" for n in names if n.split(".")[0] in WEB]
    assert offenders == []


# -- the import graph ----------------------------------------------------------------------------------------------
# Edges come from every import statement of a module: at module level, inside functions (deferred for start-up cost,
# still a dependency) and under ``if TYPE_CHECKING``. ``from a.b import c`` is an edge to module ``a.b.c`` when that
# is a module, else to ``a.b``; importing ``a.b.c`` is not an edge to ``a.b`` (Python runs the package's
# ``__init__`` first, but the importer depends on ``c`` only).

PACKAGES = {"io", "extract", "store", "mapper", "align", "topo", "jobs", "api", "cli"}


def _module_name(path: Path) -> str:
    parts = ("topoalign",) + path.relative_to(CORE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_files() -> dict[str, Path]:
    return {_module_name(p): p for p in CORE.rglob("*.py")}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest known module that ``name`` (a module or a name inside one) lies in."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        out |= {t for t in (_resolve(t, modules) for t in targets if t.split(".")[0] == "topoalign") if t}
    out.discard(module)
    return out


def _module_graph() -> dict[str, set[str]]:
    modules = _module_files()
    return {m: _imports(m, p, modules) for m, p in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def _package(module: str) -> str:
    """The top-level package of a module (``mapper``), or a top-level module's own name (``cores``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "topoalign"


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, targets in _module_graph().items():
        a = _package(module)
        graph.setdefault(a, set()).update(_package(t) for t in targets if _package(t) != a)
    return graph


# Known package edges that close a circle, to be removed: each names the imports that make it. The list only
# shrinks: an entry whose edge is gone fails the test below, so it is deleted with the fix.
ALLOWED_PACKAGE_EDGES: dict[tuple[str, str], str] = {}


def test_packages_form_no_import_cycles():
    graph = _package_graph()
    assert PACKAGES <= set(graph)
    for (a, b), why in ALLOWED_PACKAGE_EDGES.items():
        assert b in graph.get(a, set()), f"{a} -> {b} ({why}) is gone: delete it from ALLOWED_PACKAGE_EDGES"
        graph[a].discard(b)
    assert _cycles(graph) == []


def _cycles_inside(prefix: str) -> list[list[str]]:
    graph = _module_graph()
    inside = {m for m in graph if m == prefix or m.startswith(prefix + ".")}
    return _cycles({m: graph[m] & inside for m in inside})


def test_dbscan_engines_form_no_import_cycles():
    assert len([m for m in _module_graph() if m.startswith("topoalign.mapper.dbscan.")]) >= 5
    assert _cycles_inside("topoalign.mapper.dbscan") == []


def test_store_modules_form_no_import_cycles():
    assert _cycles_inside("topoalign.store") == []


def test_cycle_finder_sees_function_level_and_type_checking_imports(tmp_path):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    src = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from topoalign.x import y\n"
        "def f():\n    import topoalign.z\n"
    )
    (tmp_path / "m.py").write_text(src)
    modules = dict.fromkeys(["topoalign.x", "topoalign.x.y", "topoalign.z", "topoalign.m"], tmp_path)
    assert _imports("topoalign.m", tmp_path / "m.py", modules) == {"topoalign.x.y", "topoalign.z"}


# Routers parse requests and call services; array work belongs to the services. Known exceptions, to be removed:
ALLOWED_ROUTER_ARRAY_IMPORTS: dict[str, str] = {
    "collections.py": "labels DataFrame from the request body, pd.isna over a labels page, np.asarray of thumbnail ids",
}


def test_routers_import_no_numpy_or_pandas():
    offenders = set()
    for path in sorted((CORE / "api" / "routers").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            )
            if any(n.split(".")[0] in {"numpy", "pandas"} for n in names):
                offenders.add(path.name)
    assert offenders - set(ALLOWED_ROUTER_ARRAY_IMPORTS) == set()
    assert set(ALLOWED_ROUTER_ARRAY_IMPORTS) <= offenders, "an allowed router no longer imports them: delete it"


def test_only_the_store_touches_the_data_directory():
    """The API and the job runners reach files only through ``topoalign.store`` (uploads included): no opening,
    writing, moving or deleting of paths of their own."""
    path_calls = {
        "mkdir",
        "write_text",
        "write_bytes",
        "unlink",
        "rmdir",
        "rename",
        "rmtree",
        "makedirs",
        "copyfile",
        "move",
        "touch",
        "open",
    }
    os_calls = {"remove", "replace"}  # also str.replace / list.remove: only os.* and shutil.* count
    offenders = []
    for package in ("api", "jobs"):
        for path in (CORE / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                f = node.func
                if isinstance(f, ast.Name):
                    bad = f.id == "open"
                elif isinstance(f, ast.Attribute):
                    owner = ast.unparse(f.value)
                    through_store = owner.startswith(("store", "self.store", "ctx.store")) or owner.endswith("uploads")
                    bad = (f.attr in path_calls and not through_store) or (
                        f.attr in os_calls and owner in {"os", "shutil"}
                    )
                else:
                    bad = False
                if bad:
                    offenders.append(f"{path.relative_to(CORE)}:{node.lineno} {ast.unparse(f)}()")
    assert offenders == []
