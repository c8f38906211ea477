"""Jobs: start a long solve (202 with the job id), follow its progress, read its result, cancel it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from microfactory.api.deps import Caller, DbSession, Planner, Reader
from microfactory.api.jobs import JobKind, JobRunner
from microfactory.api.pagination import Page, PageParams, RowId, page_of, page_params
from microfactory.api.problems import NOT_FOUND
from microfactory.api.schemas import JobOut, ScenarioRequest, ScheduleRequest
from microfactory.store.api_repository import JobStatus, create_job, get_job, jobs_page, request_cancel

router = APIRouter(tags=["jobs"])


def _runner(caller: Caller) -> JobRunner:
    runner: JobRunner = caller.request.app.state.jobs
    return runner


def _start(caller: Caller, kind: JobKind, params: dict[str, object], response: Response) -> JobOut:
    with caller.write(f"jobs.{kind.value}", params) as session:
        job_id = create_job(session, kind=kind.value, params=params, created_by=caller.username)
        job = JobOut.model_validate(get_job(session, job_id))
    _runner(caller).submit(job_id, kind, params)
    response.headers["Location"] = f"/api/v1/jobs/{job_id}"
    return job


@router.post(
    "/network/scenarios",
    response_model=JobOut,
    status_code=202,
    summary="Run a network scenario (job)",
)
def post_scenario(caller: Planner, body: ScenarioRequest, response: Response) -> JobOut:
    """Queue a network design for a brand and scenario; follow it at ``/api/v1/jobs/{id}``."""
    return _start(caller, JobKind.NETWORK_SCENARIO, body.model_dump(mode="json"), response)


@router.post("/schedules", response_model=JobOut, status_code=202, summary="Re-plan a site week (job)")
def post_schedule(caller: Planner, body: ScheduleRequest, response: Response) -> JobOut:
    """Queue a re-schedule of one site's week (Monday ``week_start``, Europe/London)."""
    caller.check_site(body.site)
    return _start(caller, JobKind.SCHEDULE, body.model_dump(mode="json"), response)


@router.get("/jobs", response_model=Page[JobOut], summary="List jobs")
def list_jobs(
    caller: Reader,
    session: DbSession,
    paging: Annotated[PageParams, Depends(page_params)],
    status: JobStatus | None = None,
) -> Page[JobOut]:
    """Jobs newest first; filter by status."""
    rows, total = jobs_page(session, limit=paging.limit, offset=paging.offset, status=status)
    return page_of([JobOut.model_validate(r) for r in rows], paging, total)


@router.get("/jobs/{job_id}", response_model=JobOut, responses=NOT_FOUND, summary="One job")
def read_job(caller: Reader, session: DbSession, job_id: RowId) -> JobOut:
    """A job's status, progress (0–1), message, and result or error when finished."""
    return JobOut.model_validate(get_job(session, job_id))


@router.delete("/jobs/{job_id}", response_model=JobOut, responses=NOT_FOUND, summary="Cancel a job")
def cancel_job(caller: Planner, job_id: RowId) -> JobOut:
    """Cancel a job: at once when queued, at its next progress report when running (nothing stored)."""
    with caller.write("jobs.cancel", {"job": job_id}) as session:
        job = JobOut.model_validate(request_cancel(session, job_id))
    if job.status is JobStatus.CANCELLED:
        _runner(caller).cancel(job_id)
    return job
