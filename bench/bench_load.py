"""Load: concurrent clients reading the API of a real ``topoalign serve`` process while a job runs.

Starts a server on a free loopback port over a fresh data dir, fills it (a collection, 2 models x 2 layers and,
where the routes exist, two Mapper graphs, an audit and a joint layout), keeps a long job running, and runs ``--clients`` asyncio+httpx clients for
``--seconds`` (at most 60) or ``--max-requests`` requests, whichever comes first. Every GET route of
``/openapi.json`` whose ids can be filled from the list routes is read in turn (collections, representations,
graphs, layouts, metrics: whatever the server exposes). Any non-2xx answer or transport error counts as an error.

    .venv/bin/python bench/bench_load.py                  # 50 clients, 60 s, appends to bench/RESULTS.md
    .venv/bin/python bench/bench_load.py --seconds 5 --clients 10 --no-record

Prints ``name, value`` lines (requests, errors, rps, p50_ms, p99_ms) and exits 1 when there were errors.

``--jobs`` measures the jobs on Dask instead: for 1 and 2 in-process workers (a fresh server and data dir each), an
aligned build of 8 representations of 20,000 stimuli (default Mapper parameters, joint layout) and a topological
audit of 2 models x 8 layers (the depth analysis: layer i of one model against layer i of the other), timed from
the request to the finished job, best of 3 with nothing else running; then, in the same run, the p99 latency of a
cheap GET (``/api/collections``, 4 paced clients) while the server is idle and during one more round of both jobs.

    .venv/bin/python bench/bench_load.py --jobs           # appends to bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import io
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

HERE = Path(__file__).resolve().parent
MAX_SECONDS = 60.0


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    routes: int = 0
    urls: list[str] = field(default_factory=list)
    job_coverage: float = 0.0  # fraction of the run a job was seen running
    jobs_started: int = 0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


# -- server -----------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``topoalign serve`` in a subprocess on a free loopback port."""

    def __init__(self, data_dir: Path, env_extra: dict[str, str] | None = None):
        self.data_dir, self.port = data_dir, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "TOPOALIGN_WARM_UMAP": "false", **(env_extra or {})}
        self.env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent / "backend"), self.env.get("PYTHONPATH", "")])
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # a file, not a pipe: a pipe nobody reads blocks the server once its logs fill the buffer
        self.log = open(self.data_dir.parent / f"server-{self.port}.log", "w+b")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "topoalign.cli", "serve", "--port", str(self.port), "--data", str(self.data_dir)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_tail()}")
            try:
                if httpx.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start in 60 s")

    def log_tail(self, n: int = 3000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-n:]

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


# -- data -------------------------------------------------------------------------------------------------------
def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def _wait_job(client: httpx.Client, job_id: str, timeout: float = 300) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled", "interrupted"):
            return job
        time.sleep(0.2)
    raise RuntimeError(f"job {job_id} did not end in {timeout} s")


def _result_id(client: httpx.Client, r: httpx.Response, key: str) -> str | None:
    """The id a compute route returned: at once (200) or through its job (202)."""
    if r.status_code == 200:
        return r.json().get(key) or r.json().get("id")
    if r.status_code == 202:
        job = _wait_job(client, r.json()["job_id"])
        if job["status"] == "done":
            return (job.get("result") or {}).get(key)
        print(f"warning: {job['kind']} job {job['status']}: {job.get('error')}", file=sys.stderr)
        return None
    print(f"warning: {r.request.url.path}: {r.status_code} {r.text[:300]}", file=sys.stderr)
    return None


def fill(client: httpx.Client, n: int = 400, d: int = 32) -> dict[str, list[str]]:
    """A collection of ``n`` stimuli (3 classes), 2 models x 2 layers, and, where the routes exist, two Mapper
    graphs, an audit (metrics) and a joint layout. Returns ``{resource: ids}`` for what no list route gives."""
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(n)]
    coll = client.post(
        "/api/collections",
        json={"name": "load", "stimulus_ids": ids, "labels": {"class": [str(i % 3) for i in range(n)]}},
    )
    if coll.status_code != 201:
        raise RuntimeError(f"collection failed: {coll.status_code} {coll.text[:2000]}")
    cid = coll.json()["id"]
    rids = []
    for model, layer in (("m1", "l1"), ("m2", "l1"), ("m1", "l2"), ("m2", "l2")):
        x = rng.normal(size=(n, d)).astype(np.float32) + np.repeat(np.eye(3, d), n // 3 + 1, axis=0)[:n] * 4
        r = client.post(
            f"/api/collections/{cid}/representations",
            files={"file": (f"{model}-{layer}.npy", _npy(x))},
            data={"model": model, "layer": layer, "layer_index": layer[1]},
        )
        if r.status_code != 201:
            raise RuntimeError(f"upload failed: {r.status_code} {r.text[:2000]}")
        rids.append(r.json()["representations"][0]["id"])
    paths = client.get("/openapi.json").json()["paths"]
    out: dict[str, list[str]] = {"representation": rids}
    graphs = []
    if "/api/graphs" in paths:
        for rid in rids[:2]:
            gid = _result_id(client, client.post("/api/graphs", json={"representation_id": rid}), "graph_id")
            graphs += [gid] if gid else []
    if "/api/collections/{collection_id}/audits" in paths:
        _result_id(
            client,
            client.post(f"/api/collections/{cid}/audits", json={"metrics": ["procrustes"], "folds": 2}),
            "audit_id",
        )
    if "/api/topo/layout" in paths and len(graphs) == 2:
        res = _result_id(client, client.post("/api/topo/layout", json={"graph_ids": graphs}), "result_id")
        out["result"] = [res] if res else []
    return out


class JobKeeper:
    """Keeps one long job running during the load: a Mapper graph with many stability resamples, started again
    (with another seed, so never from the cache) whenever the previous one ends. ``coverage``: the fraction of
    polls that found a job running."""

    def __init__(self, base_url: str, rid: str):
        self.base_url, self.rid = base_url, rid
        self.stop = threading.Event()
        self.polls = self.running_polls = self.started = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)

    @property
    def coverage(self) -> float:
        return self.running_polls / max(self.polls, 1)

    def _submit(self, client: httpx.Client) -> str | None:
        r = client.post(
            "/api/graphs",
            json={
                "representation_id": self.rid,
                "stability": 100,
                "random_state": 1000 + self.started,
                "cover": {"n_intervals": 12, "overlap": 0.4},
            },
        )
        self.started += 1
        return r.json()["job_id"] if r.status_code == 202 else None

    def _loop(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            job = self._submit(client)
            while job and not self.stop.is_set():
                status = client.get(f"/api/jobs/{job}").json()["status"]
                self.polls += 1
                self.running_polls += status == "running"
                if status not in ("queued", "running"):
                    job = self._submit(client)
                self.stop.wait(0.5)
            if job:
                client.post(f"/api/jobs/{job}/cancel")

    def __enter__(self) -> "JobKeeper":
        self.thread.start()
        deadline = time.time() + 30
        while time.time() < deadline and not self.running_polls:
            time.sleep(0.1)
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(60)


def read_urls(client: httpx.Client, known: dict[str, list[str]] | None = None) -> list[str]:
    """Every GET route whose path ids can be filled (list routes, ``known``), kept if it answers 200 now."""
    spec = client.get("/openapi.json").json()
    pool: dict[str, list[str]] = dict(known or {})
    for path, ops in spec["paths"].items():
        if "get" in ops and path.startswith("/api/") and "{" not in path:
            r = client.get(path)
            if r.status_code == 200 and isinstance(r.json(), list):
                found = [x["id"] for x in r.json() if isinstance(x, dict) and isinstance(x.get("id"), str)]
                if found:
                    pool.setdefault(path.rstrip("/").rsplit("/", 1)[-1].removesuffix("s"), found)
    urls = []
    for path, ops in spec["paths"].items():
        if "get" not in ops or not path.startswith("/api/") or path.endswith("/events"):
            continue
        url = path
        for seg in [s[1:-1] for s in path.split("/") if s.startswith("{")]:
            ids = pool.get(seg.removesuffix("_id"), [])
            if not ids:
                url = None
                break
            url = url.replace("{" + seg + "}", ids[0])
        if url and client.get(url).status_code == 200:
            urls.append(url)
    return urls


# -- load -------------------------------------------------------------------------------------------------------
async def _client_loop(
    http: httpx.AsyncClient, urls: list[str], offset: int, stop_at: float, budget: list[int], result: LoadResult
) -> None:
    i = offset
    while time.perf_counter() < stop_at and budget[0] > 0:
        budget[0] -= 1
        url = urls[i % len(urls)]
        i += 1
        t0 = time.perf_counter()
        try:
            r = await http.get(url)
            ok = 200 <= r.status_code < 300
            if ok:
                r.read()
            detail = f"{url}: {r.status_code} {r.text[:200]}"
        except httpx.HTTPError as exc:
            ok, detail = False, f"{url}: {type(exc).__name__} {exc}"
        result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        result.requests += 1
        if not ok:
            result.errors += 1
            if len(result.error_samples) < 10:
                result.error_samples.append(detail)


async def run_load(base_url: str, urls: list[str], *, clients: int, seconds: float, max_requests: int) -> LoadResult:
    result = LoadResult(routes=len(urls), urls=list(urls))
    seconds = min(seconds, MAX_SECONDS)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as http:
        t0 = time.perf_counter()
        budget = [max_requests]
        await asyncio.gather(*(_client_loop(http, urls, k, t0 + seconds, budget, result) for k in range(clients)))
        result.seconds = time.perf_counter() - t0
    return result


def load_test(
    *, clients: int = 50, seconds: float = 60, max_requests: int = 200_000, data_dir: Path | None = None
) -> LoadResult:
    """Start a server, fill it, keep a long job running, and measure; the pipeline the CLI and the test share."""
    with tempfile.TemporaryDirectory(prefix="topoalign-load-") as tmp:
        with Server(Path(data_dir or tmp) / "store", {"TOPOALIGN_MAX_CONCURRENT_JOBS": "1"}) as srv:
            with httpx.Client(base_url=srv.url, timeout=60) as client:
                ids = fill(client)
                urls = read_urls(client, ids)
            paths = httpx.get(srv.url + "/openapi.json").json()["paths"]
            if "/api/graphs" in paths:
                with JobKeeper(srv.url, ids["representation"][0]) as keeper:
                    result = asyncio.run(
                        run_load(srv.url, urls, clients=clients, seconds=seconds, max_requests=max_requests)
                    )
                result.job_coverage, result.jobs_started = keeper.coverage, keeper.started
            else:
                result = asyncio.run(
                    run_load(srv.url, urls, clients=clients, seconds=seconds, max_requests=max_requests)
                )
            if result.errors:
                result.error_samples.append("server log tail:\n" + srv.log_tail())
    return result


# -- jobs on Dask: speed-up and read latency ----------------------------------------------------------------------
@dataclass
class JobsRun:
    workers: int
    aligned_s: list[float]
    audit_s: list[float]
    reads: dict[str, LoadResult]
    load: tuple[float, float]  # 1-min load average before and after
    aligned_with_reads_s: list[float] = field(default_factory=list)  # the same jobs while the readers run
    audit_with_reads_s: list[float] = field(default_factory=list)


def fill_layers(client: httpx.Client, n: int, d: int, layers: int, models=("net-s0", "net-s1")) -> dict[str, list[str]]:
    """A collection of ``n`` stimuli in 10 planted clusters; per model (two seeds of one architecture), ``layers``
    rotated copies with more noise
    deeper. Returns ``{model: representation ids by layer}``."""
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(n)]
    coll = client.post(
        "/api/collections",
        json={"name": "layers", "stimulus_ids": ids, "labels": {"class": [str(i % 10) for i in range(n)]}},
    )
    coll.raise_for_status()
    base = (rng.normal(size=(10, d)) * 3)[np.arange(n) % 10] + rng.normal(size=(n, d))
    out: dict[str, list[str]] = {}
    for model in models:
        for layer in range(layers):
            x = base @ np.linalg.qr(rng.normal(size=(d, d)))[0] + (0.2 + 0.1 * layer) * rng.normal(size=(n, d))
            r = client.post(
                f"/api/collections/{coll.json()['id']}/representations",
                files={"file": (f"{model}-L{layer}.npy", _npy(x.astype(np.float32)))},
                data={"model": model, "layer": f"L{layer}", "layer_index": str(layer)},
            )
            r.raise_for_status()
            out.setdefault(model, []).append(r.json()["representations"][0]["id"])
    return out


class PacedReads:
    """``clients`` loops reading ``url`` with ``pause`` seconds between requests, in a background thread; every
    latency goes to the result of the current :meth:`phase` (None: not recorded)."""

    def __init__(self, url: str, clients: int = 4, pause: float = 0.05):
        self.url, self.clients, self.pause = url, clients, pause
        self.results: dict[str, LoadResult] = {}
        self.current: str | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def phase(self, name: str | None) -> None:
        if name is not None:
            self.results.setdefault(name, LoadResult())
        self.current = name

    async def _loop(self, http: httpx.AsyncClient) -> None:
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                ok = (await http.get(self.url)).status_code == 200
            except httpx.HTTPError:
                ok = False
            ms, phase = (time.perf_counter() - t0) * 1000, self.current
            if phase is not None:
                self.results[phase].latencies_ms.append(ms)
                self.results[phase].requests += 1
                self.results[phase].errors += not ok
            await asyncio.sleep(self.pause)

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            await asyncio.gather(*(self._loop(http) for _ in range(self.clients)))

    def __enter__(self) -> "PacedReads":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(60)


def _timed_job(client: httpx.Client, path: str, body: dict) -> float:
    t0 = time.perf_counter()
    r = client.post(path, json=body)
    if r.status_code != 202:
        raise RuntimeError(f"{path}: {r.status_code} {r.text[:500]}")
    job = _wait_job(client, r.json()["job_id"], timeout=1800)
    if job["status"] != "done":
        raise RuntimeError(f"{path}: job {job['status']}: {job.get('error')}")
    return time.perf_counter() - t0


def jobs_run(
    workers: int, *, n: int = 20_000, d: int = 64, layers: int = 8, idle_s: float = 10.0, repeats: int = 3
) -> JobsRun:
    """One server with ``workers`` in-process Dask workers: ``repeats`` times the aligned build (another
    ``random_state`` each time, so never from the cache) and the audit (``recompute``), timed with nothing else
    running (the speed-up); then the reads idle, and the reads during one more round of both jobs (the latency
    under jobs; those job times are kept apart, since the readers' requests take CPU from the workers)."""
    load_before = os.getloadavg()[0]
    aligned, audit, aligned_reads, audit_reads = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="topoalign-jobs-") as tmp:
        with (
            Server(Path(tmp) / "store", {"TOPOALIGN_DASK_WORKERS": str(workers)}) as srv,
            httpx.Client(base_url=srv.url, timeout=60) as client,
        ):
            reps = fill_layers(client, n, d, layers)
            cid = client.get("/api/collections").json()[0]["id"]
            # the cluster is up and its workers warm (a small explicit build, cached apart from the default ones)
            _timed_job(
                client,
                "/api/graphs",
                {
                    "representation_id": reps["net-s0"][0],
                    "auto": False,
                    "cover": {"kind": "kmapper", "n_intervals": 4, "overlap": 0.2},
                },
            )

            def both(r: int, times_aligned: list[float], times_audit: list[float]) -> None:
                body = {"representation_ids": reps["net-s0"], "random_state": r}
                times_aligned.append(_timed_job(client, "/api/graphs/aligned", body))
                times_audit.append(
                    _timed_job(
                        client,
                        f"/api/collections/{cid}/audits",
                        {"metrics": ["topological"], "analyses": ["depth"], "n_null": 0, "recompute": r > 0},
                    )
                )

            for r in range(repeats):
                both(r, aligned, audit)
            with PacedReads(srv.url + "/api/collections") as reads:
                reads.phase("idle")
                time.sleep(idle_s)
                reads.phase("jobs")
                both(repeats, aligned_reads, audit_reads)
                reads.phase(None)
    return JobsRun(
        workers, aligned, audit, reads.results, (load_before, os.getloadavg()[0]), aligned_reads, audit_reads
    )


def jobs_benchmark(workers=(1, 2), **kw) -> list[JobsRun]:
    return [jobs_run(w, **kw) for w in workers]


def print_jobs(runs: list[JobsRun]) -> str:
    """``name, value`` lines: per worker count the best time of each job (all of them in brackets) and the reads'
    p99 idle and during the jobs; then the speed-ups of 2 workers over 1 (best times)."""
    lines = ["name, value"]
    for run in runs:
        idle, busy = run.reads["idle"], run.reads["jobs"]
        for name, times in (("aligned_8x20000", run.aligned_s), ("audit_topological_2x8_depth", run.audit_s)):
            lines.append(
                f"{name}_{run.workers}_workers_s, {min(times):.2f}  (runs {' '.join(f'{t:.2f}' for t in times)})"
            )
        lines.append(
            f"with_reads_{run.workers}_workers_s, aligned {' '.join(f'{t:.2f}' for t in run.aligned_with_reads_s)}"
            f", audit {' '.join(f'{t:.2f}' for t in run.audit_with_reads_s)}"
        )
        lines += [
            f"read_p99_idle_ms_{run.workers}_workers, {idle.percentile(99):.1f}  ({idle.requests} reads)",
            f"read_p99_jobs_ms_{run.workers}_workers, {busy.percentile(99):.1f}  ({busy.requests} reads, "
            f"{busy.errors} errors)",
            f"read_p99_ratio_{run.workers}_workers, {busy.percentile(99) / idle.percentile(99):.2f}",
            f"load_average_{run.workers}_workers, {run.load[0]:.1f} before, {run.load[1]:.1f} after",
        ]
    one, two = (next((r for r in runs if r.workers == w), None) for w in (1, 2))
    if one and two:
        lines += [
            f"aligned_speedup_2_vs_1_workers, {min(one.aligned_s) / min(two.aligned_s):.2f}",
            f"audit_speedup_2_vs_1_workers, {min(one.audit_s) / min(two.audit_s):.2f}",
            f"total_speedup_2_vs_1_workers, "
            f"{(min(one.aligned_s) + min(one.audit_s)) / (min(two.aligned_s) + min(two.audit_s)):.2f}",
        ]
    return "\n".join(lines)


def record_jobs(text: str) -> None:
    when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(HERE / "RESULTS.md", "a") as f:
        f.write(
            f"\n## Jobs on Dask: 1 vs 2 workers, reads while they run ({when})\n\nMachine: {machine()}.\n\n"
            "`bench_load.py --jobs`: per worker count a fresh `topoalign serve` (in-process cluster of "
            "`TOPOALIGN_DASK_WORKERS` processes), an aligned build of 8 representations of 20,000 x 64 (default "
            "Mapper parameters and joint layout), then a topological audit of 2 models x 8 layers (depth "
            "analysis, 8 cells), each timed from request to finished job, 3 times with nothing else running "
            "(never from the cache; best time, all in brackets; the speed-ups are of these); then p99 of "
            "`GET /api/collections` from 4 paced clients (50 ms pauses) for 10 s idle and during one more round "
            "of both jobs, same server (`with_reads`: those jobs' times).\n\n"
            f"```\n{text}\n```\n"
        )


def _route_of(url: str) -> str:
    """``/api/graphs/abc123`` -> ``/api/graphs/{id}`` for the report."""
    return "/".join("{id}" if any(c.isdigit() for c in seg) and len(seg) >= 8 else seg for seg in url.split("/"))


def machine() -> str:
    return (
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}, {platform.system()}; client and server on the same machine (loopback), "
        f"machine shared with other work while measured (1-min load average {os.getloadavg()[0]:.1f} at the end)"
    )


def record(result: LoadResult, clients: int, urls_note: str) -> None:
    path = HERE / "RESULTS.md"
    when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"\n## Load: {clients} concurrent clients on loopback ({when})\n\n"
        f"Machine: {machine()}.\n\n"
        f"One `topoalign serve` process (uvicorn, 1 worker), reads of {result.routes} GET routes in turn "
        f"({urls_note}), while Mapper jobs (100 stability resamples each; {result.jobs_started} started) ran in the "
        f"same process: a job was running in {result.job_coverage:.0%} of the polls.\n\n"
        "| clients | seconds | requests | errors | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|\n"
        f"| {clients} | {result.seconds:.1f} | {result.requests} | {result.errors} | "
        f"{result.requests / max(result.seconds, 1e-9):.0f} | {result.percentile(50):.1f} | "
        f"{result.percentile(99):.1f} |\n"
    )
    with open(path, "a") as f:
        if path.stat().st_size == 0:
            f.write("# Benchmark results\n")
        f.write(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0, help=f"duration (at most {MAX_SECONDS:.0f})")
    ap.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests in all")
    ap.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    ap.add_argument(
        "--jobs", action="store_true", help="time the jobs on 1 and 2 Dask workers and the reads during them instead"
    )
    args = ap.parse_args(argv)
    if args.jobs:
        text = print_jobs(jobs_benchmark())
        print(text)
        if not args.no_record:
            record_jobs(text)
        return 0
    result = load_test(clients=args.clients, seconds=args.seconds, max_requests=args.max_requests)
    print(
        f"requests, {result.requests}\nerrors, {result.errors}\nroutes, {result.routes}\n"
        f"rps, {result.requests / max(result.seconds, 1e-9):.1f}\np50_ms, {result.percentile(50):.1f}\n"
        f"p99_ms, {result.percentile(99):.1f}\njob_coverage, {result.job_coverage:.2f}\n"
        f"jobs_started, {result.jobs_started}\nread, {' '.join(_route_of(u) for u in result.urls)}"
    )
    for sample in result.error_samples:
        print("error:", sample, file=sys.stderr)
    if not args.no_record:
        (HERE / "RESULTS.md").touch()
        record(result, args.clients, ", ".join(f"`{_route_of(u)}`" for u in result.urls))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
