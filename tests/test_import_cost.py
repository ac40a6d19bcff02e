"""A command-line start pays only for what it uses: the package, the command line and a Mapper build (PCA lens,
DBSCAN, graph JSON) import no pandas, scikit-learn, scipy, networkx, torch or numba (~2.5 s of imports together)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "sklearn", "scipy", "networkx", "torch", "numba")


def _imported_after(code: str) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_package_command_line_and_mapper_imports_are_light():
    assert _imported_after("import topoalign, topoalign.cli, topoalign.cli.mapper, topoalign.mapper") == []


def test_a_mapper_build_to_json_imports_no_heavy_library():
    code = (
        "import json, numpy as np\n"
        "from topoalign.mapper import KMapperCover, DBSCAN, build_mapper_graph, compute_lens\n"
        "rng = np.random.default_rng(0)\n"
        "X = np.vstack([rng.normal(c, 0.3, size=(400, 16)) for c in (0, 3, 6)]).astype(np.float32)\n"
        "g = build_mapper_graph(X, compute_lens(X, 'pca:2'), KMapperCover(6, 0.3), DBSCAN(eps=1.6, min_samples=3),"
        " device=None)\n"
        "assert g.nodes\n"
        "json.dumps(g.to_json())"
    )
    assert _imported_after(code) == []
