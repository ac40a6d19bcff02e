"""The README's Python example runs as written (on a quick demo store)."""

import re
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_python_example_runs(tmp_path):
    from topoalign.extract.zoo.demo import build_demo
    from topoalign.store import Store

    build_demo(Store(tmp_path / "store"), quick=True)
    code = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    code = code.replace('Store("data/store")', f"Store({str(tmp_path / 'store')!r})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "nodes," in out.stdout
