"""Traceability benchmark: forward trace, backward trace and recall over a year of lots and 1M order lines.

Generates (seeded) a year of production at 10 sites × 40 SKUs: one lot per site × SKU × day with
deliveries (≈145,500 product lots), a panel (component) lot per site and day made from that week's
board, input lots per site, week and material (board, powder, starter culture), and 1,000,000 order
lines in ≈400,000 orders, each line allocated to the lot it was made in. Product lots of every fifth
SKU are made from the day's panel lot, so traces go two links deep. Data is loaded with the drivers'
bulk paths (``executemany`` on SQLite, ``COPY`` on PostgreSQL) into a schema built by the product's
migrations, then ``ANALYZE``d. Each query is the product's own
(:func:`microfactory.store.trace_forward`, ``trace_backward``, ``recall``), timed on ``--samples``
different lots per kind; the first call per kind warms the connection and is not counted.

Run from the repository root::

    .venv/bin/python -m benchmarks.trace [--lines 1000000] [--postgres URL] [--samples 5] [--seed 1]

PostgreSQL runs when ``--postgres`` or ``MICROFACTORY_TEST_DATABASE_URL`` names a server; a
throwaway database ``mf_bench_<hex>`` is created on it and dropped afterwards.

Output (../shared/bench/README.md): a CSV table (one row per backend × query × lot), then
``lines=… forward_seconds=… backward_seconds=… recall_seconds=…``: for each query the slowest
single call on the slowest backend.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from benchmarks.common import TableWriter, log, summary_line
from microfactory.config import normalise_database_url
from microfactory.quality import Trace
from microfactory.store import (
    create_engine_for,
    make_session_factory,
    recall,
    trace_backward,
    trace_forward,
    upgrade,
)

SITES = 10
SKUS = 40
DAYS = 365
START = datetime(2025, 11, 24, tzinfo=UTC)
MATERIALS = ("BOARD", "POWDER", "CULTURE")
COLUMNS = ("backend", "query", "lot", "lots", "deliveries", "orders", "seconds")


@dataclass(frozen=True)
class Dataset:
    """Rows per table, in column order, ready for bulk loading; plus lots to trace."""

    tables: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]
    forward_lots: list[str]
    backward_lots: list[str]
    lines: int


def _ts(day: np.ndarray | int, hour: int = 6) -> Any:
    return START + timedelta(days=int(day), hours=hour)


def generate(lines: int, seed: int) -> Dataset:
    """Build every row with NumPy (deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    orders = int(lines / 2.5)
    per_order = np.full(orders, 2)
    per_order[: lines - 2 * orders] += 1  # exactly ``lines`` lines
    rng.shuffle(per_order)
    order_site = rng.integers(0, SITES, orders)
    order_day = rng.integers(1, DAYS, orders)
    customer = rng.integers(0, 100_000, orders)
    guest = rng.random(orders) < 0.3
    line_order = np.repeat(np.arange(orders), per_order)
    starts = np.cumsum(per_order) - per_order
    line_no = np.arange(lines) - np.repeat(starts, per_order) + 1
    line_sku = rng.integers(0, SKUS, lines)
    qty = rng.integers(1, 4, lines)
    site_l, day_l = order_site[line_order], order_day[line_order]
    # Product lots: one per (site, sku, production day = the day before the window).
    key = (site_l * SKUS + line_sku) * DAYS + (day_l - 1)
    lot_keys, lot_of_line = np.unique(key, return_inverse=True)
    lot_qty = np.bincount(lot_of_line, weights=qty).astype(int)
    n_product = len(lot_keys)
    p_site, rest = np.divmod(lot_keys, SKUS * DAYS)
    p_sku, p_day = np.divmod(rest, DAYS)

    rows_lots: list[tuple[Any, ...]] = []
    now = datetime(2026, 11, 23, tzinfo=UTC)

    def add_lot(code: str, site: int, run: str, sku: str, kind: str, quantity: int, day: int) -> int:
        rows_lots.append(
            (len(rows_lots) + 1, code, f"S{site:02d}", run, sku, 1, kind, quantity, _ts(day), "released",
             None, None, now)
        )  # fmt: skip
        return len(rows_lots)

    inputs: dict[tuple[int, str, int], int] = {}
    for site in range(SITES):
        for week in range(DAYS // 7 + 1):
            for m in MATERIALS:
                inputs[(site, m, week)] = add_lot(
                    f"S{site:02d}/GRN{week:02d}/{m}/1", site, f"GRN{week:02d}", m, "material", 100, week * 7
                )
    panels = {
        (site, day): add_lot(
            f"S{site:02d}/P{day:03d}/PANEL/1", site, f"P{day:03d}", "PANEL", "component", 50, day
        )
        for site in range(SITES)
        for day in range(DAYS)
    }
    first_product = len(rows_lots) + 1
    for i in range(n_product):
        s, k, d = int(p_site[i]), int(p_sku[i]), int(p_day[i])
        add_lot(
            f"S{s:02d}/R{d:03d}/SKU-{k:03d}/1", s, f"R{d:03d}", f"SKU-{k:03d}", "product", int(lot_qty[i]), d
        )
    links: list[tuple[int, int, int]] = []
    for (site, day), panel in panels.items():
        links.append((len(links) + 1, panel, inputs[(site, "BOARD", day // 7)]))
    for i in range(n_product):
        s, k, d = int(p_site[i]), int(p_sku[i]), int(p_day[i])
        lot_id = first_product + i
        material = MATERIALS[k % 3]
        links.append((len(links) + 1, lot_id, inputs[(s, material, d // 7)]))
        if k % 5 == 0:
            links.append((len(links) + 1, lot_id, panels[(s, d)]))

    order_rows = [
        (o + 1, "web", f"B{o:07d}", "BRAND", None if guest[o] else f"C{customer[o]:06d}", f"O{order_site[o]}",
         _ts(order_day[o] - 2, 10), _ts(order_day[o], 9), _ts(order_day[o], 13), "delivered", "delivery",
         f"S{order_site[o]:02d}", "x", 0)
        for o in range(orders)
    ]  # fmt: skip
    line_rows = [
        (i + 1, int(line_order[i]) + 1, int(line_no[i]), f"SKU-{line_sku[i]:03d}", int(qty[i]), 500)
        for i in range(lines)
    ]
    lot_id = first_product + lot_of_line
    alloc_rows = [
        (i + 1, int(lot_id[i]), "delivery", int(line_order[i]) + 1, int(line_no[i]), None, int(qty[i]), now)
        for i in range(lines)
    ]
    sample = np.random.default_rng(seed + 1)
    weeks = sample.choice(np.arange(4, 48), 8, replace=False)
    forward = [f"S{int(sample.integers(SITES)):02d}/GRN{int(w):02d}/BOARD/1" for w in weeks]
    products = sample.choice(np.flatnonzero(p_sku % 5 == 0), 8, replace=False)
    backward = [str(rows_lots[first_product - 1 + int(i)][1]) for i in products]
    return Dataset(
        tables={
            "lots": (
                (
                    "id",
                    "code",
                    "site",
                    "run_code",
                    "sku",
                    "sequence",
                    "kind",
                    "quantity",
                    "produced_at",
                    "status",
                    "template_code",
                    "template_version",
                    "created_at",
                ),
                rows_lots,
            ),
            "lot_inputs": (("id", "lot_id", "input_lot_id"), links),
            "orders": (
                (
                    "id",
                    "channel",
                    "external_id",
                    "brand",
                    "customer",
                    "outcode",
                    "created_at",
                    "window_start",
                    "window_end",
                    "status",
                    "fulfilment",
                    "site",
                    "content_hash",
                    "revision",
                ),
                order_rows,
            ),
            "order_lines": (("id", "order_id", "line_no", "sku", "quantity", "unit_price_pence"), line_rows),
            "lot_allocations": (
                ("id", "lot_id", "kind", "order_id", "line_no", "to_site", "quantity", "allocated_at"),
                alloc_rows,
            ),
        },
        forward_lots=forward,
        backward_lots=backward,
        lines=lines,
    )


def _sqlite_value(value: Any) -> Any:
    # SQLAlchemy's SQLite DATETIME storage format, naive UTC (see microfactory.store.types.UtcDateTime).
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def load(engine: Engine, data: Dataset) -> None:
    """Bulk-load every table with the driver's fast path, then ANALYZE."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table in ("lots", "lot_inputs", "orders", "order_lines", "lot_allocations"):
            columns, rows = data.tables[table]
            started = time.perf_counter()
            if engine.dialect.name == "sqlite":
                # The product's connections leave BEGIN to SQLAlchemy: open the transaction here.
                if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
                    cursor.execute("BEGIN")
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [tuple(_sqlite_value(v) for v in row) for row in rows],
                )
            else:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            log(f"  {table}: {len(rows):,} rows in {time.perf_counter() - started:.1f} s")
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


@contextmanager
def _postgres_database(server: str) -> Iterator[str]:
    name = f"mf_bench_{secrets.token_hex(6)}"
    admin = create_engine(normalise_database_url(server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield (
                make_url(normalise_database_url(server))
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _time(query: Callable[[Any, str], Trace], session: Any, lot: str) -> tuple[Trace, float]:
    started = time.perf_counter()
    result = query(session, lot)
    return result, time.perf_counter() - started


def run_backend(backend: str, url: str, data: Dataset, samples: int, table: TableWriter) -> dict[str, float]:
    """Load ``data`` at ``url`` and time each query on ``samples`` lots; return the slowest per query."""
    log(f"{backend}: migrating and loading {data.lines:,} order lines")
    upgrade(url)
    engine = create_engine_for(url)
    slowest: dict[str, float] = {}
    try:
        load(engine, data)
        sessions = make_session_factory(engine)
        queries: Sequence[tuple[str, Callable[[Any, str], Trace], list[str]]] = (
            ("forward", trace_forward, data.forward_lots),
            ("backward", trace_backward, data.backward_lots),
            ("recall", recall, data.forward_lots[::-1]),
        )
        with sessions() as session:
            for name, query, lots in queries:
                query(session, lots[-1])  # warm-up, not counted
                times = []
                for lot in lots[:samples]:
                    trace, seconds = _time(query, session, lot)
                    times.append(seconds)
                    table.row(
                        {"backend": backend, "query": name, "lot": lot, "lots": len(trace.lots),
                         "deliveries": len(trace.deliveries), "orders": len(trace.orders), "seconds": seconds}
                    )  # fmt: skip
                slowest[name] = max(times)
                log(f"{backend} {name}: median {statistics.median(times):.4f} s, max {max(times):.4f} s")
    finally:
        engine.dispose()
    return slowest


def main(argv: Sequence[str] | None = None) -> None:
    """Parse options, generate the data once, run every backend, print the table and the summary."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--lines", type=int, default=1_000_000, help="order lines to generate")
    p.add_argument(
        "--postgres", default=os.environ.get("MICROFACTORY_TEST_DATABASE_URL"), help="PostgreSQL server URL"
    )
    p.add_argument("--samples", type=int, default=5, help="lots timed per query")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    started = time.perf_counter()
    data = generate(args.lines, args.seed)
    lots = len(data.tables["lots"][1])
    log(f"generated {lots:,} lots and {args.lines:,} lines in {time.perf_counter() - started:.1f} s")
    table = TableWriter(COLUMNS)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="mf-bench-") as folder:
        results["sqlite"] = run_backend(
            "sqlite", f"sqlite:///{Path(folder) / 'trace.db'}", data, args.samples, table
        )
    if args.postgres:
        with _postgres_database(args.postgres) as url:
            results["postgresql"] = run_backend("postgresql", url, data, args.samples, table)
    worst = {q: max(r[q] for r in results.values()) for q in ("forward", "backward", "recall")}
    summary_line(
        [
            ("lines", args.lines),
            ("forward_seconds", worst["forward"]),
            ("backward_seconds", worst["backward"]),
            ("recall_seconds", worst["recall"]),
            ("backends", "+".join(results)),
            ("seconds", round(time.perf_counter() - started, 1)),
        ]
    )


if __name__ == "__main__":
    main()
