"""The Runner gives the same results in the same order in-process, on processes and on Dask."""

from __future__ import annotations

import pytest

from microfactory.errors import ConfigurationError
from microfactory.plan import DaskRunner, LocalRunner, SerialRunner, make_runner
from tests.plan.tasks import fail_on_three, seeded_sum

SEEDS = list(range(12))


def test_local_processes_match_serial() -> None:
    """Two worker processes return exactly the serial results, in item order."""
    expected = SerialRunner().map(seeded_sum, SEEDS)
    with LocalRunner(2) as runner:
        assert runner.map(seeded_sum, SEEDS) == expected


def test_dask_local_cluster_matches_serial() -> None:
    """A dask.distributed LocalCluster returns exactly the serial results, in item order."""
    from distributed import Client, LocalCluster

    expected = SerialRunner().map(seeded_sum, SEEDS)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
        DaskRunner(client) as runner,
    ):
        done: list[tuple[int, int]] = []
        assert runner.map(seeded_sum, SEEDS, progress=lambda d, t: done.append((d, t))) == expected
        assert done[-1] == (len(SEEDS), len(SEEDS))
        assert runner.description.startswith("dask: ")


def test_dask_address_is_used_when_given() -> None:
    """make_runner connects to the scheduler address from the settings."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        runner = make_runner(workers=2, dask_scheduler=cluster.scheduler_address)
        with runner:
            assert isinstance(runner, DaskRunner)
            assert runner.map(seeded_sum, [5]) == [seeded_sum(5)]


def test_unreachable_dask_scheduler_names_the_setting() -> None:
    """A scheduler nobody listens on is a configuration error naming the setting."""
    with pytest.raises(ConfigurationError, match="MICROFACTORY_DASK_SCHEDULER"):
        DaskRunner("tcp://127.0.0.1:9", connect_seconds=0.5)


def test_task_errors_propagate_from_workers() -> None:
    """An exception in a worker reaches the caller with its message."""
    with LocalRunner(2) as runner, pytest.raises(ValueError, match="three"):
        runner.map(fail_on_three, [1, 2, 3, 4])


def test_progress_reports_every_item() -> None:
    """Progress is called once per item and ends at total."""
    seen: list[tuple[int, int]] = []
    SerialRunner().map(seeded_sum, [1, 2, 3], progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_one_worker_runs_in_process() -> None:
    """workers=1 means no process pool at all."""
    assert isinstance(make_runner(workers=1), SerialRunner)
    with pytest.raises(ConfigurationError, match="MICROFACTORY_WORKERS"):
        LocalRunner(0)
