"""Sandbox throughput and latency under load, next to the bare ceiling, in the same run.

Two server processes (``harness.bench.servers``): the sandbox org and a bare JSON route,
under the same uvicorn settings. Load comes from ``harness.bench.load`` processes (one
per spare core, at least one), never from this process. For each round, each number of
concurrent clients and each target, one timed run; a cell's figures are the medians over
the rounds. Targets, in the order they run within a round:

- ``ceiling``: ``GET /bare`` on the bare app;
- ``orders_get``: one all-products order, read again and again;
- ``workspaces_query``: the org's workspaces on site ``acme``;
- ``orders_place``: new all-products orders, each onto a provisioning request of its own
  made before the run (single-use: a run that uses them all up ends early).

The sandbox is reset before each round and concurrency, so state stays small and equal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from harness.contracts import Profile, load_profile, operation

from .servers import BARE_PATH

TARGETS = ("ceiling", "orders_get", "workspaces_query", "orders_place")
#: The placeholder ids of the order template, replaced per order.
_REQUEST_ID = "00000000-0000-4000-8000-00000000bee1"
_ORDER_ID = "00000000-0000-4000-8000-00000000bee2"


@dataclass(frozen=True)
class LoadSettings:
    concurrency: tuple[int, ...] = (1, 8, 32)
    rounds: int = 3
    duration: float = 1.0
    warmup: float = 0.2
    #: Orders (and provisioning requests made for them) per orders_place run.
    place_pool: int = 600
    #: Load generator processes; None: one per core but the server's, at least one.
    processes: int | None = None


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[str]
    port: int

    def cpu_seconds(self) -> float | None:
        """User plus system CPU time of the server process so far (Linux), else None."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running(kind: str) -> Iterator[Server]:
    """A server process of ``kind`` (sandbox, bare) on a free loopback port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.bench.servers", kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the {kind} server did not start (it said {line!r})")
        yield Server(kind, process, int(line.split()[1]))
    finally:
        if process.stdin is not None:
            process.stdin.close()  # the server stops when its stdin closes
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def raw_request(
    method: str, path: str, headers: dict[str, str], body: Any = None, *, port: int
) -> str:
    """An HTTP/1.1 keep-alive request as text (bodies are JSON)."""
    data = "" if body is None else json.dumps(body, separators=(",", ":"))
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(data.encode())}"]
    return "\r\n".join(lines) + "\r\n\r\n" + data


def run_load(
    port: int,
    requests: Sequence[str],
    *,
    concurrency: int,
    duration: float = 1.0,
    warmup: float = 0.0,
    once: bool = False,
    collect: bool = False,
    processes: int = 1,
) -> dict[str, Any]:
    """Run load generator processes against ``port`` and merge what they measured."""
    processes = max(1, min(processes, concurrency))
    shares = [concurrency // processes + (i < concurrency % processes) for i in range(processes)]
    jobs = []
    for n, share in enumerate(shares):
        mine = list(requests[n::processes]) if (once or collect) else list(requests)
        jobs.append(
            {
                "host": "127.0.0.1",
                "port": port,
                "concurrency": share,
                "requests": mine,
                "duration": duration,
                "warmup": warmup,
                "once": once,
                "collect": collect,
            }
        )
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "harness.bench.load"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in jobs
    ]
    for child, job in zip(children, jobs, strict=True):
        assert child.stdin is not None
        child.stdin.write(json.dumps(job))
        child.stdin.close()
    results = []
    for child in children:
        assert child.stdout is not None
        out = child.stdout.read()
        if child.wait() != 0 or not out:
            raise RuntimeError("a load generator failed (see its error above)")
        results.append(json.loads(out))
    latencies = sorted(x for r in results for x in r["latencies_us"])
    statuses: dict[str, int] = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    elapsed = max(r["elapsed_s"] for r in results)
    merged: dict[str, Any] = {
        "count": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) / 1000,
        "p99_ms": percentile(latencies, 99) / 1000,
        "statuses": statuses,
        "elapsed_s": elapsed,
        "wall_s": max(r["wall_s"] for r in results),
        "answered": sum(r["answered"] for r in results),
        "loadgen_cpu_share": max(r["cpu_s"] / max(r["wall_s"], 1e-9) for r in results),
    }
    if collect:
        bodies: list[str] = [""] * len(requests)
        for n, r in enumerate(results):
            bodies[n::processes] = r["bodies"]
        merged["bodies"] = bodies
    return merged


def percentile(sorted_values: Sequence[int], pct: float) -> float:
    """Nearest-rank percentile of sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(pct / 100 * len(sorted_values) + 0.5)))
    return float(sorted_values[rank - 1])


class Workloads:
    """The requests of each target, built from the default profile and the contracts."""

    def __init__(self, profile: Profile, port: int) -> None:
        from harness.client.orders import OrderBuilder

        self.profile = profile
        self.port = port
        self.auth = {"Authorization": f"Bearer {profile.api_key}"}
        builder = OrderBuilder.for_profile(profile, _REQUEST_ID, order_id=_ORDER_ID)
        builder.confluence().jira().jsm()
        self.offerings = builder.offerings_to_provision()
        self._order = json.dumps(builder.build())
        self.account = builder.transaction_account_id
        self.place_headers = {**self.auth, "X-transaction-account": self.account}

    def path(self, op: str, **params: str) -> str:
        return operation(op).url("", **params)

    def provision(self, site: str) -> str:
        body = {
            "offerings": [{"id": o, "location": "us"} for o in self.offerings],
            "parameters": {
                "adminEmail": "bench@example.com",
                "name": site,
                "timezone": "Australia/Sydney",
            },
        }
        path = self.path("products.provision", orgId=self.profile.org_id)
        return raw_request("POST", path, self.auth, body, port=self.port)

    def order(self, request_id: str, order_id: str) -> dict[str, Any]:
        text = self._order.replace(_REQUEST_ID, request_id).replace(_ORDER_ID, order_id)
        return json.loads(text)  # type: ignore[no-any-return]

    def place(self, order: dict[str, Any]) -> str:
        path = self.path("orders.place")
        return raw_request("POST", path, self.place_headers, order, port=self.port)

    def get(self, order_id: str) -> str:
        path = self.path("orders.get", orderId=order_id)
        headers = {**self.auth, "X-transaction-account": self.account}
        return raw_request("GET", path, headers, port=self.port)

    def query(self) -> str:
        body = {"query": {"field": {"name": "attributes.name", "values": ["acme"]}}}
        path = self.path("workspaces.query", orgId=self.profile.org_id)
        return raw_request("POST", path, self.auth, body, port=self.port)


def _request_ids(bodies: Sequence[str]) -> list[str]:
    """The requestId at the end of each provisioning answer's statusUrl."""
    return [json.loads(b)["data"]["statusUrl"].rsplit("/", 1)[-1] for b in bodies]


def _orders(
    work: Workloads, port: int, count: int, tag: str, processes: int
) -> list[dict[str, Any]]:
    """``count`` all-products orders, each onto a provisioning request made for it now."""
    import uuid

    provisions = [work.provision(f"bench-{tag}-{i}") for i in range(count)]
    made = run_load(port, provisions, concurrency=8, collect=True, processes=processes)
    if set(made["statuses"]) != {"200"} and set(made["statuses"]) != {"202"}:
        raise RuntimeError(f"provisioning for the benchmark failed: {made['statuses']}")
    return [work.order(rid, str(uuid.uuid4())) for rid in _request_ids(made["bodies"])]


def _reset(server: Server, profile: Profile) -> None:
    from harness.sandbox import SandboxControl

    with SandboxControl(f"http://127.0.0.1:{server.port}", profile, timeout=30) as sandbox:
        sandbox.reset()


def measure(
    settings: LoadSettings, progress: Callable[[str], Any] = lambda _: None
) -> dict[str, Any]:
    """Every target at every concurrency, ``rounds`` times; medians and the raw runs."""
    profile = load_profile(None)
    processes = settings.processes or max(1, (os.cpu_count() or 2) - 1)
    raw: dict[str, list[dict[str, Any]]] = {}
    with running("bare") as bare, running("sandbox") as sandbox:
        work = Workloads(profile, sandbox.port)
        bare_requests = [raw_request("GET", BARE_PATH, {}, port=bare.port)]
        for r in range(settings.rounds):
            for c in settings.concurrency:
                _reset(sandbox, profile)
                setup = _orders(work, sandbox.port, 1, f"{r}-{c}-get", processes)[0]
                placed = run_load(sandbox.port, [work.place(setup)], concurrency=1, collect=True)
                if placed["statuses"] != {"200": 1}:
                    raise RuntimeError(f"placing the benchmark's order failed: {placed}")
                plan: list[tuple[str, Server, list[str], bool]] = [
                    ("ceiling", bare, bare_requests, False),
                    ("orders_get", sandbox, [work.get(setup["orderId"])], False),
                    ("workspaces_query", sandbox, [work.query()], False),
                ]
                for name, server, requests, once in plan:
                    raw.setdefault(f"{name}_{c}", []).append(
                        _timed(server, requests, c, settings, processes, once)
                    )
                    progress(f"sandbox round {r + 1} c={c} {name}")
                pool = _orders(work, sandbox.port, settings.place_pool, f"{r}-{c}", processes)
                raw.setdefault(f"orders_place_{c}", []).append(
                    _timed(sandbox, [work.place(o) for o in pool], c, settings, processes, True)
                )
                progress(f"sandbox round {r + 1} c={c} orders_place")
    return summarise(raw, settings)


def _timed(
    server: Server,
    requests: list[str],
    concurrency: int,
    settings: LoadSettings,
    processes: int,
    once: bool,
) -> dict[str, Any]:
    cpu0 = server.cpu_seconds()
    result = run_load(
        server.port,
        requests,
        concurrency=concurrency,
        duration=settings.duration,
        # Single-use requests are not spent warming up (the reads before warmed the server).
        warmup=0.0 if once else settings.warmup,
        once=once,
        processes=processes,
    )
    cpu1 = server.cpu_seconds()
    result.pop("bodies", None)
    if cpu0 is not None and cpu1 is not None:
        # Includes the warm-up: a share of one core over the whole run.
        result["server_cpu_share"] = (cpu1 - cpu0) / max(result["wall_s"], 1e-9)
        # What a request costs the server, whatever else the machine is doing.
        result["server_cpu_us"] = (cpu1 - cpu0) / max(result["answered"], 1) * 1e6
    return result


def summarise(raw: dict[str, list[dict[str, Any]]], settings: LoadSettings) -> dict[str, Any]:
    """Flat figures (``orders_get_rps_8``...) as medians over rounds, plus every run."""
    out: dict[str, Any] = {}
    for key, runs in raw.items():
        name, _, c = key.rpartition("_")
        prefix = "ceiling" if name == "ceiling" else name
        out[f"{prefix}_rps_{c}"] = median(r["rps"] for r in runs)
        out[f"{prefix}_p50_ms_{c}"] = median(r["p50_ms"] for r in runs)
        out[f"{prefix}_p99_ms_{c}"] = median(r["p99_ms"] for r in runs)
        bad = sum(n for r in runs for s, n in r["statuses"].items() if s != "200")
        out[f"{prefix}_errors_{c}"] = bad
        shares = [r["server_cpu_share"] for r in runs if "server_cpu_share" in r]
        if shares:
            out[f"{prefix}_server_cpu_{c}"] = median(shares)
            out[f"{prefix}_server_cpu_us_{c}"] = median(r["server_cpu_us"] for r in runs)
        out[f"{prefix}_loadgen_cpu_{c}"] = median(r["loadgen_cpu_share"] for r in runs)
    for c in settings.concurrency:
        ceiling = out.get(f"ceiling_rps_{c}")
        for name in TARGETS[1:]:
            value = out.get(f"{name}_rps_{c}")
            if ceiling and value is not None:
                out[f"{name}_share_of_ceiling_{c}"] = value / ceiling
            # The same comparison by server CPU per request: steady on a busy machine.
            cost, base = out.get(f"{name}_server_cpu_us_{c}"), out.get(f"ceiling_server_cpu_us_{c}")
            if cost and base:
                out[f"{name}_cpu_share_of_ceiling_{c}"] = base / cost
    out["runs"] = {k: [_brief(r) for r in v] for k, v in raw.items()}
    out["settings"] = {
        "concurrency": list(settings.concurrency),
        "rounds": settings.rounds,
        "duration_s": settings.duration,
        "warmup_s": settings.warmup,
        "place_pool": settings.place_pool,
    }
    return out


def _brief(run: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in run.items()}


if __name__ == "__main__":  # a quick look: python -m harness.bench.sandbox
    start = time.perf_counter()
    figures = measure(LoadSettings(rounds=1), progress=lambda m: print(m, file=sys.stderr))
    figures.pop("runs")
    print(json.dumps(figures, indent=1))
    print(f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
