"""A small seeded demo network stored in a fresh database: the fixture body the stage and CLI tests share.

Stage and CLI tests need the same setup: build the demo (:func:`microfactory.demo.build_demo` with a small
scale), migrate a fresh database, save the master data and (usually) the orders, and maybe run a few
pipeline stages first. :func:`demo_database` does that on a URL from the ``database_url`` /
``module_database_url`` fixtures (so tests keep their SQLite/PostgreSQL parametrisation) and yields the
network, a session factory and a stage context; :func:`store_demo` does the same for tests that only need
the URL (CLI tests) and closes its engine at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from microfactory.config import load_settings
from microfactory.demo import DemoNetwork, build_demo
from microfactory.plan import SerialRunner
from microfactory.plan.pipeline import run_pipeline
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.store import (
    create_engine_for,
    make_session_factory,
    save_master_data,
    transaction,
    upgrade,
    upsert_orders,
)

SEED = 7
"""The seed most stage tests use."""
SCALE = 0.05
"""About 6,000 orders: both brands, every site and two years of weekly demand, built in about a second."""


@lru_cache(maxsize=8)
def demo_network(seed: int = SEED, scale: float = SCALE, as_of: datetime | None = None) -> DemoNetwork:
    """The demo network for ``seed``/``scale``/``as_of``, built once per test session.

    :class:`DemoNetwork` is frozen (tuples of frozen models), so modules asking for the same network can
    share one object instead of building it again.
    """
    if as_of is None:
        return build_demo(seed=seed, scale=scale)
    return build_demo(seed=seed, scale=scale, as_of=as_of)


@dataclass
class DemoDatabase:
    """A stored demo: its URL and network, sessions on it, a stage context and the reports of the stages
    run while it was set up."""

    url: str
    network: DemoNetwork
    sessions: sessionmaker[Session]
    ctx: StageContext
    reports: list[StageReport]


@contextmanager
def demo_database(
    url: str,
    *,
    seed: int = SEED,
    scale: float = SCALE,
    as_of: datetime | None = None,
    orders: bool = True,
    stages: Sequence[str] = (),
    workers: int | None = None,
    solver_seconds: float | None = None,
) -> Iterator[DemoDatabase]:
    """Migrate the empty database at ``url``, store a demo network in it and run ``stages`` on it.

    Args:
        url: An empty database (``database_url`` or ``module_database_url``).
        seed, scale, as_of: Passed to :func:`build_demo`; the stage context plans as at the network's
            ``history_end`` (``as_of``, default the demo's).
        orders: Store the order history too (``False``: master data only).
        stages: Pipeline stages to run (in this order, serially) before yielding; their reports are in
            :attr:`DemoDatabase.reports`.
        workers, solver_seconds: The ``workers`` and ``solver_seconds`` settings of the context (default:
            the environment's). A small ``solver_seconds`` caps every time-limited solve (the schedule's
            CP-SAT search runs to its limit): for tests that check what is stored, not how good it is.

    The engine is disposed of when the block ends.
    """
    network = demo_network(seed, scale, as_of)
    upgrade(url)
    engine = create_engine_for(url)
    try:
        sessions = make_session_factory(engine)
        with transaction(sessions) as session:
            save_master_data(session, network.master)
            if orders:
                upsert_orders(session, network.orders)
        ctx = StageContext(
            sessions=sessions,
            runner=SerialRunner(),
            settings=load_settings(database_url=url, workers=workers, solver_seconds=solver_seconds),
            as_of=network.history_end,
        )
        reports = run_pipeline(ctx, stages) if stages else []
        yield DemoDatabase(url, network, sessions, ctx, reports)
    finally:
        engine.dispose()


def store_demo(
    url: str,
    *,
    seed: int = SEED,
    scale: float = SCALE,
    as_of: datetime | None = None,
    orders: bool = True,
    stages: Sequence[str] = (),
) -> DemoNetwork:
    """Store a demo network (and run ``stages``) like :func:`demo_database`, close the engine, return it.

    For tests that then work through the URL only (the CLI).
    """
    with demo_database(url, seed=seed, scale=scale, as_of=as_of, orders=orders, stages=stages) as demo:
        return demo.network
