"""docker-compose.yml is valid and wires the app, a scheduler and two workers to one data volume."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_structure():
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = spec["services"]
    assert {"app", "scheduler", "worker-1", "worker-2"} <= set(services)
    assert "tcp://scheduler:8786" in services["app"]["command"]
    for name in ("app", "worker-1", "worker-2"):
        assert any(v.startswith("topoalign-data:") for v in services[name]["volumes"])
    # the host port is published on loopback only
    assert all(p.startswith("127.0.0.1:") for p in services["app"]["ports"])
    assert (ROOT / "Dockerfile").is_file()


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose is not installed")
def test_compose_config_validates():
    env = dict(os.environ, TOPOALIGN_TOKEN="test-token")
    out = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose is not installed")
def test_compose_refuses_to_run_without_a_token():
    env = {k: v for k, v in os.environ.items() if k != "TOPOALIGN_TOKEN"}
    out = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert out.returncode != 0 and "TOPOALIGN_TOKEN" in (out.stderr + out.stdout)
