"""A real ``topoalign serve`` process on a free loopback port, which tests may kill -9 and restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, data_dir, env_extra=None, host="127.0.0.1"):
        self.data_dir = data_dir
        self.host = host
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.env = {**os.environ, "TOPOALIGN_WARM_UMAP": "false", **(env_extra or {})}
        self.proc = None
        self.log = data_dir.parent / f"server-{self.port}.log"  # a file, not a pipe nobody reads

    def start(self, timeout: float = 60) -> "ServerProcess":
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "topoalign.cli",
                "serve",
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--data",
                str(self.data_dir),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()


@pytest.fixture
def server_factory(tmp_path):
    started = []

    def make(host="127.0.0.1", **env_extra):
        srv = ServerProcess(tmp_path / "store", env_extra, host=host)
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
