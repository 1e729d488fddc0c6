"""The load generator: ``python -m harness.bench.load`` reads a job (JSON) on stdin, prints
the result (JSON) on stdout.

It runs in a process of its own, so the server never shares a GIL with its clients, and
it is cheap per request: raw HTTP/1.1 keep-alive on asyncio protocols, requests encoded
once up front, responses framed by ``Content-Length`` and nothing else parsed. Each of
``concurrency`` connections is one closed-loop client: send, wait for the whole
response, send the next. The job's ``cpu_s`` against its ``elapsed_s`` tells whether the
generator itself came near a full core (it should stay well below).

Job: ``host``, ``port``, ``concurrency``, ``requests`` (raw request texts), ``duration``
and ``warmup`` (seconds), ``once`` (each request is sent at most once, e.g. orders that
may only be placed once; the run ends early when they run out) and ``collect`` (send each
request once and return every response body: for setting state up, not measured).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


class _Connection(asyncio.Protocol):
    """One keep-alive connection; ``send`` returns (status, body) of the response."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.transport: asyncio.Transport | None = None
        self.lost: BaseException | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: BaseException | None) -> None:
        self.lost = exc or ConnectionError("the server closed the connection")
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(self.lost)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self._buffer[:end]).decode("latin-1").lower()
        length = 0
        for line in head.split("\r\n")[1:]:
            if line.startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        if len(self._buffer) < end + 4 + length:
            return
        status = int(head.split(" ", 2)[1])
        body = bytes(self._buffer[end + 4 : end + 4 + length])
        del self._buffer[: end + 4 + length]
        waiter.set_result((status, body))

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        if self.lost is not None:
            raise self.lost
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self._waiter


@dataclass
class _Run:
    start: float = 0.0
    end: float = 0.0
    last: float = 0.0
    latencies_us: list[int] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    bodies: dict[int, str] = field(default_factory=dict)
    answered: int = 0  # warm-up included


async def run_job(job: dict[str, Any]) -> dict[str, Any]:
    requests = [r.encode("utf-8") for r in job["requests"]]
    once = bool(job.get("once")) or bool(job.get("collect"))
    collect = bool(job.get("collect"))
    concurrency = max(1, int(job["concurrency"]))
    loop = asyncio.get_running_loop()
    connections = []
    for _ in range(concurrency):
        _, conn = await loop.create_connection(_Connection, job["host"], int(job["port"]))
        connections.append(conn)
    shared: Iterator[int] = iter(range(len(requests)))
    run = _Run()
    cpu0 = time.process_time()
    now = time.perf_counter()
    warmup = 0.0 if collect else float(job.get("warmup", 0.0))
    run.start = now + warmup
    run.end = float("inf") if collect else run.start + float(job["duration"])

    async def client(n: int, conn: _Connection) -> None:
        position = n
        while True:
            if once:
                index = next(shared, None)
                if index is None:
                    return
            else:
                index = position % len(requests)
                position += 1
            sent = time.perf_counter()
            if sent >= run.end:
                return
            status, body = await conn.send(requests[index])
            done = time.perf_counter()
            run.answered += 1
            if collect:
                run.bodies[index] = body.decode("utf-8")
            if sent >= run.start and done <= run.end:
                run.latencies_us.append(int((done - sent) * 1e6))
                run.statuses[status] += 1
                run.last = done

    await asyncio.gather(*(client(n, c) for n, c in enumerate(connections)))
    cpu = time.process_time() - cpu0
    for conn in connections:
        if conn.transport is not None:
            conn.transport.close()
    # A run that ran out of single-use requests ends at its last answer.
    end = min(run.end, run.last) if once else run.end
    elapsed = max(end - run.start, 1e-9)
    result: dict[str, Any] = {
        "count": len(run.latencies_us),
        "answered": run.answered,
        "elapsed_s": elapsed,
        "latencies_us": run.latencies_us,
        "statuses": {str(k): v for k, v in run.statuses.items()},
        "cpu_s": cpu,
        "wall_s": time.perf_counter() - now,  # warm-up included, as in cpu_s
    }
    if collect:
        result["bodies"] = [run.bodies.get(i, "") for i in range(len(requests))]
    return result


def main() -> None:
    job = json.load(sys.stdin)
    result = asyncio.run(run_job(job))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
