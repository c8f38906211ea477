"""Order ingest over HTTP: 20,000 single-order POSTs from 16 concurrent clients over loopback.

For each backend (SQLite file; PostgreSQL on ``MICROFACTORY_TEST_DATABASE_URL``, or else a throwaway
cluster started through ``scripts/pg_test_cluster.sh``) it migrates a fresh database, stores a small
demo's master data and a planner with an API key, starts ``microfactory``'s API under Uvicorn in a
child process, and has 16 clients (asyncio coroutines, one raw keep-alive HTTP/1.1 connection each)
POST distinct orders to ``/api/v1/orders``; every answer must be 200 with one order inserted, and
afterwards the database must hold every order exactly once, each with its audit row. Prints a CSV table
(one row per backend: orders, clients, seconds, orders/s, p50/p99/max latency in ms) then
``sqlite_orders_per_s=… sqlite_p99_ms=… postgres_orders_per_s=… postgres_p99_ms=…``. Target: ≥ 1,000
orders/s on SQLite with p99 < 50 ms. Progress and the machine's load average go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy import distinct as distinct_
from sqlalchemy.engine import make_url

from benchmarks.common import TableWriter, log, summary_line
from microfactory.config import normalise_database_url
from microfactory.demo import build_demo
from microfactory.store import create_engine_for, make_session_factory, save_master_data, transaction, upgrade
from microfactory.store.api_repository import Role, create_api_key, create_user
from microfactory.store.models import OrderRow
from microfactory.store.models.api import ApiAuditRow

COLUMNS = (
    "backend",
    "orders",
    "clients",
    "seconds",
    "orders_per_s",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "load_1min",
)
ROOT = Path(__file__).resolve().parent.parent
ORDERS_PATH = "/api/v1/orders"


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def prepare(url: str, seed: int) -> tuple[str, list[dict[str, Any]]]:
    """Migrate ``url``, store the demo master data and a planner; returns (API key, order templates)."""
    network = build_demo(seed=seed, scale=0.01)
    upgrade(url)
    engine = create_engine_for(url)
    try:
        sessions = make_session_factory(engine)
        with transaction(sessions) as session:
            save_master_data(session, network.master)
            create_user(session, "bench-planner", role=Role.PLANNER)
            key = create_api_key(session, "bench-planner")
    finally:
        engine.dispose()
    master = network.master
    brand = master.brands[0].code
    families = {f.code for f in master.sku_families if f.brand == brand}
    skus = [s.code for s in master.skus if s.family in families][:20]
    outcodes = [z.outcode for z in master.zones][:200]
    templates = [
        {"brand": brand, "sku": skus[i % len(skus)], "outcode": outcodes[i % len(outcodes)]}
        for i in range(64)
    ]
    return key, templates


def order_body(n: int, template: dict[str, Any], created: datetime) -> dict[str, Any]:
    """Order ``n`` as the JSON body of a POST."""
    start = created + timedelta(days=2, hours=n % 9)
    return {
        "channel": "bench",
        "external_id": f"B-{n:07d}",
        "brand": template["brand"],
        "outcode": template["outcode"],
        "created_at": created.isoformat(),
        "window": {"start": start.isoformat(), "end": (start + timedelta(hours=4)).isoformat()},
        "lines": [{"line_no": 1, "sku": template["sku"], "quantity": 1 + n % 3, "unit_price_pence": 4900}],
    }


@contextmanager
def server(url: str, port: int, workers: int = 1) -> Iterator[str]:
    """The API under Uvicorn in a child process on ``url``'s database; yields its base URL."""
    env = {**os.environ, "MICROFACTORY_DATABASE_URL": url}
    command = [
        sys.executable, "-m", "uvicorn", "microfactory.cli_serve:app_from_environment", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        "--workers", str(workers),
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def free_port() -> int:
    """A loopback port nobody listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request_bytes(host: str, key: str, body: dict[str, Any]) -> bytes:
    """One keep-alive ``POST /api/v1/orders`` as raw HTTP/1.1 bytes."""
    payload = json.dumps(body, separators=(",", ":")).encode()
    head = (
        f"POST {ORDERS_PATH} HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode("ascii") + payload


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """Send ``request`` and read the whole answer (status and body; the server always sends a length)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError(f"answer without Content-Length: {head[:200]!r}")
    return status, await reader.readexactly(length)


def load(
    host: str, port: int, key: str, templates: list[dict[str, Any]], orders: int, clients: int
) -> dict[str, float]:
    """POST ``orders`` orders from ``clients`` keep-alive connections; returns throughput and latency.

    Each client is a coroutine with its own HTTP/1.1 connection sending one request at a time (raw
    bytes over asyncio streams: a heavy HTTP client would eat the CPU the server needs on a small
    machine). Request bodies are encoded before the clock starts; each latency runs from sending a
    request to having read its whole answer, and every answer must be 200 with one order inserted.
    """
    created = datetime(2026, 11, 20, 9, tzinfo=UTC)
    address = f"{host}:{port}"
    plans = [
        [_request_bytes(address, key, order_body(n, templates[n % len(templates)], created))
         for n in range(index, orders, clients)]
        for index in range(clients)
    ]  # fmt: skip
    warm_up = (f"GET /api/v1/auth/me HTTP/1.1\r\nHost: {address}\r\nX-API-Key: {key}\r\n\r\n").encode()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []

    async def client(index: int, connected: asyncio.Barrier) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            status, _ = await _exchange(reader, writer, warm_up)  # connect and warm up, untimed
            if status != 200:
                raise RuntimeError(f"warm-up answered {status}")
            await connected.wait()
            timings = latencies[index]
            for request in plans[index]:
                started = time.perf_counter()
                status, body = await _exchange(reader, writer, request)
                timings.append(time.perf_counter() - started)
                if status != 200 or json.loads(body).get("inserted") != 1:
                    failures.append(f"{status} {body[:200]!r}")
        finally:
            writer.close()

    async def run() -> float:
        connected = asyncio.Barrier(clients + 1)
        tasks = [asyncio.create_task(client(i, connected)) for i in range(clients)]
        await connected.wait()
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        return time.perf_counter() - started

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        seconds = runner.run(run())
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    every = [x for per in latencies for x in per]
    return {
        "orders": orders,
        "clients": clients,
        "seconds": seconds,
        "orders_per_s": orders / seconds,
        "p50_ms": 1000 * statistics.median(every),
        "p99_ms": 1000 * _percentile(every, 0.99),
        "max_ms": 1000 * max(every),
        "load_1min": os.getloadavg()[0],
    }


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when installed (leaner for the client too), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def verify(url: str, orders: int) -> None:
    """Check the database holds every order sent exactly once, each with its audit row."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as conn:
            stored, distinct = conn.execute(
                select(func.count(), func.count(distinct_(OrderRow.external_id))).where(
                    OrderRow.channel == "bench"
                )
            ).one()
            audited = conn.execute(
                select(func.count()).select_from(ApiAuditRow).where(ApiAuditRow.action == "orders.upsert")
            ).scalar_one()
    finally:
        engine.dispose()
    if not stored == distinct == audited == orders:
        raise RuntimeError(
            f"sent {orders} orders but the database holds {stored} ({distinct} distinct, {audited} audited)"
        )


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh ``mf_bench_<hex>`` database on the server, dropped afterwards."""
    name = f"mf_bench_{secrets.token_hex(6)}"
    admin = create_engine(normalise_database_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield (
                make_url(normalise_database_url(server_url))
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def run_backend(backend: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Prepare ``url``, serve it, load it; returns the table row."""
    log(f"{backend}: preparing the database")
    key, templates = prepare(url, args.seed)
    port = free_port()
    with server(url, port, args.server_workers):
        log(f"{backend}: {args.orders:,} orders from {args.clients} clients (load {os.getloadavg()[0]:.1f})")
        figures = load("127.0.0.1", port, key, templates, args.orders, args.clients)
    verify(url, args.orders)
    log(f"{backend}: {figures['orders_per_s']:.0f} orders/s, p99 {figures['p99_ms']:.1f} ms")
    return {"backend": backend, **figures}


def main(argv: Sequence[str] | None = None) -> None:
    """Run the backends asked for, print the table and the summary line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--orders", type=int, default=20_000)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--server-workers", type=int, default=1, help="Uvicorn worker processes")
    p.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    p.add_argument("--postgres", default=os.environ.get("MICROFACTORY_TEST_DATABASE_URL"), help="server URL")
    p.add_argument("--result-json", type=Path, help=argparse.SUPPRESS)  # used when re-run under a PG cluster
    args = p.parse_args(argv)
    log(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    rows: list[dict[str, Any]] = []
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory(prefix="mf-bench-api-") as folder:
            rows.append(run_backend("sqlite", f"sqlite:///{Path(folder) / 'api.db'}", args))
    if "postgresql" in backends:
        if args.postgres:
            with postgres_database(args.postgres) as url:
                rows.append(run_backend("postgresql", url, args))
        else:
            rows += _under_throwaway_cluster(args)
    if args.result_json is not None:
        args.result_json.write_text(json.dumps(rows))
        return
    table = TableWriter(COLUMNS)
    for row in rows:
        table.row(row)
    by = {r["backend"]: r for r in rows}
    pairs: list[tuple[str, object]] = []
    for backend, label in (("sqlite", "sqlite"), ("postgresql", "postgres")):
        if backend in by:
            pairs += [
                (f"{label}_orders_per_s", by[backend]["orders_per_s"]),
                (f"{label}_p99_ms", by[backend]["p99_ms"]),
            ]
    summary_line(pairs)


def _under_throwaway_cluster(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Re-run the PostgreSQL part under ``scripts/pg_test_cluster.sh`` (which starts and drops a cluster)."""
    with tempfile.TemporaryDirectory(prefix="mf-bench-api-") as folder:
        out = Path(folder) / "rows.json"
        command = [
            "bash", str(ROOT / "scripts" / "pg_test_cluster.sh"), sys.executable, "-m", "benchmarks.api_load",
            "--backends", "postgresql", "--orders", str(args.orders), "--clients", str(args.clients),
            "--seed", str(args.seed), "--server-workers", str(args.server_workers),
            "--result-json", str(out),
        ]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, stdout=sys.stderr, check=False)
        if done.returncode != 0 or not out.exists():
            log("postgresql: skipped (could not start a throwaway cluster)")
            return []
        rows: list[dict[str, Any]] = json.loads(out.read_text())
        return rows


if __name__ == "__main__":
    main()
