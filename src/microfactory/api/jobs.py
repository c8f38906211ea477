"""Long solves as background jobs: a network scenario or a site-week re-schedule.

``POST`` queues a job row (``api_jobs``) and hands it to a thread pool; the worker runs the same plan
stages the CLI runs (:func:`microfactory.plan.stages.network.brand_problem` +
:func:`microfactory.network.run_scenario`, or :func:`microfactory.plan.stages.schedule.plan_schedules`),
reporting progress to the job row as it goes. Cancelling is cooperative: a queued job is cancelled at
once; a running one stops at its next progress report (before anything is written), so a cancelled
job never leaves a half-written plan. Jobs left queued or running by a stopped server are marked
failed at start-up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from microfactory.config import Settings
from microfactory.errors import MicrofactoryError, NotFoundError
from microfactory.plan.progress import Advance
from microfactory.plan.runner import SerialRunner
from microfactory.store.api_repository import JobStatus, cancel_requested, get_job, update_job
from microfactory.store.db import transaction

log = logging.getLogger(__name__)


class JobKind(StrEnum):
    """What a job does."""

    NETWORK_SCENARIO = "network_scenario"
    SCHEDULE = "schedule"


class JobCancelledError(MicrofactoryError):
    """Raised inside a job when someone asked it to stop."""


class JobProgress:
    """A :class:`~microfactory.plan.progress.ProgressSink` writing to the job row and checking cancels."""

    def __init__(
        self, sessions: sessionmaker[Session], job_id: int, *, start: float = 0.0, end: float = 1.0
    ) -> None:
        self.sessions = sessions
        self.job_id = job_id
        self.start = start
        self.end = end
        self.fraction = start

    def report(self, fraction: float, message: str) -> None:
        """Record progress (0–1 of this sink's span) and stop if a cancel was requested."""
        self.fraction = self.start + (self.end - self.start) * min(max(fraction, 0.0), 1.0)
        with transaction(self.sessions) as session:
            if cancel_requested(session, self.job_id):
                raise JobCancelledError(f"job {self.job_id} cancelled")
            update_job(session, self.job_id, progress=self.fraction, message=message)

    def step(self, label: str, total: int | None = None) -> Advance:
        """Start a named step; the returned callback reports how far it got."""
        self.report((self.fraction - self.start) / max(self.end - self.start, 1e-9), label)

        def advance(done: int, total: int) -> None:
            if total:
                self.report(done / total, f"{label} ({done}/{total})")

        return advance


def _network_scenario(
    sessions: sessionmaker[Session], settings: Settings, job_id: int, params: Mapping[str, Any]
) -> dict[str, Any]:
    from microfactory.network import parse_scenario, run_scenario
    from microfactory.plan.stages.network import (
        MAX_DELIVERY_HOURS,
        NetworkOptions,
        brand_problem,
        scenario_record,
    )
    from microfactory.store import load_master_data, load_weekly_demand, save_network_scenario

    progress = JobProgress(sessions, job_id)
    brand = str(params["brand"])
    scenario = parse_scenario(str(params.get("scenario", "local")))
    options = NetworkOptions(
        seconds=min(float(params.get("seconds", 10.0)), settings.solver_seconds),
        workers=settings.workers,
        seed=settings.seed,
        circuity=settings.circuity,
        max_delivery_hours=float(params.get("max_hours") or MAX_DELIVERY_HOURS),
    )
    progress.report(0.05, "reading master data and demand")
    with sessions() as session:
        master = load_master_data(session)
        if not any(b.code == brand for b in master.brands):
            raise NotFoundError("brand", brand)
        problem = brand_problem(master, load_weekly_demand(session, brand=brand), brand, options, None)
    progress.report(0.2, f"solving {scenario.name} for {brand} (up to {options.seconds:.0f} s)")
    try:
        item = run_scenario(problem.problem, scenario, options.limits(), options.seed)
    except KeyError as exc:  # site_down=CODE naming an unknown site
        raise NotFoundError("site", str(exc.args[0])) from None
    progress.report(0.9, "storing the scenario")
    record = scenario_record(brand, item, problem.parameters)
    with transaction(sessions) as session:
        if cancel_requested(session, job_id):
            raise JobCancelledError(f"job {job_id} cancelled")
        run_id = save_network_scenario(session, record, horizon=problem.horizon)
    return {
        "plan_run_id": run_id,
        "brand": brand,
        "scenario": record.name,
        "status": record.status,
        "objective_pence": record.objective_pence,
        "open_sites": [s.site for s in record.sites],
        "kpis": dict(record.kpis),
    }


def _schedule(
    sessions: sessionmaker[Session], settings: Settings, job_id: int, params: Mapping[str, Any]
) -> dict[str, Any]:
    from datetime import date

    from microfactory.plan.stages.schedule import ScheduleOptions, WorkRule, local_midnight, plan_schedules

    site = str(params["site"])
    start = local_midnight(date.fromisoformat(str(params["week_start"])))
    options = ScheduleOptions(
        seconds=min(float(params.get("seconds", 10.0)), settings.solver_seconds),
        workers=settings.workers,
        seed=settings.seed,
        rule=WorkRule(str(params.get("rule", "firm"))),
    )
    run = plan_schedules(
        sessions,
        SerialRunner(),
        options,
        start=start,
        sites=[site],
        require_work=True,
        progress=JobProgress(sessions, job_id),
    )
    report = run.reports[0] if run.reports else None
    return {
        "site": site,
        "week_start": str(params["week_start"]),
        "plan_run_id": report.plan_run_id if report else None,
        "kpis": dict(report.kpis) if report else {},
        "problems": len(report.problems) if report else 0,
    }


JobFunction = Callable[[sessionmaker[Session], Settings, int, Mapping[str, Any]], dict[str, Any]]
JOB_FUNCTIONS: dict[JobKind, JobFunction] = {
    JobKind.NETWORK_SCENARIO: _network_scenario,
    JobKind.SCHEDULE: _schedule,
}


class JobRunner:
    """Runs queued jobs in a small thread pool (solvers release the GIL while they search)."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, *, threads: int = 1) -> None:
        self.sessions = sessions
        self.settings = settings
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mf-job")
        self.futures: dict[int, Future[None]] = {}
        self.lock = threading.Lock()

    def submit(self, job_id: int, kind: JobKind, params: Mapping[str, Any]) -> None:
        """Start job ``job_id`` when a worker is free."""
        future = self.pool.submit(self._run, job_id, kind, dict(params))
        with self.lock:
            self.futures[job_id] = future

    def cancel(self, job_id: int) -> None:
        """Drop a job that has not started yet from the pool's queue (the row says cancelled)."""
        with self.lock:
            future = self.futures.get(job_id)
        if future is not None:
            future.cancel()

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until job ``job_id`` finished (for tests and the CLI)."""
        with self.lock:
            future = self.futures.get(job_id)
        if future is not None and not future.cancelled():
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        """Stop taking jobs; queued ones are cancelled, running ones finish."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job_id: int, kind: JobKind, params: dict[str, Any]) -> None:
        with transaction(self.sessions) as session:
            job = get_job(session, job_id)
            if job.status != JobStatus.QUEUED.value:
                return
            update_job(session, job_id, status=JobStatus.RUNNING, message="started")
        try:
            result = JOB_FUNCTIONS[kind](self.sessions, self.settings, job_id, params)
        except JobCancelledError:
            self._finish(job_id, JobStatus.CANCELLED, message="cancelled; nothing was stored")
        except MicrofactoryError as exc:
            self._finish(job_id, JobStatus.FAILED, message="failed", error=str(exc))
        except Exception as exc:  # a job must always end in a final state, whatever went wrong
            log.exception("job %s failed", job_id)
            self._finish(job_id, JobStatus.FAILED, message="failed", error=f"{type(exc).__name__}: {exc}")
        else:
            self._finish(job_id, JobStatus.SUCCEEDED, message="done", result=result)
        finally:
            with self.lock:
                self.futures.pop(job_id, None)

    def _finish(
        self,
        job_id: int,
        status: JobStatus,
        *,
        message: str,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        with transaction(self.sessions) as session:
            update_job(
                session,
                job_id,
                status=status,
                progress=1.0 if status is JobStatus.SUCCEEDED else None,
                message=f"{message} at {datetime.now(UTC):%H:%M:%S} UTC",
                result=result,
                error=error,
            )
