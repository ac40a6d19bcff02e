"""The compute core knows nothing of HTTP: only topoalign.api (and the serve command) may import web frameworks."""

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
