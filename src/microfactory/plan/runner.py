"""Fan-out of independent tasks on local processes or a Dask cluster, behind one interface.

Stages hand the :class:`Runner` a top-level function and a list of independent items (one per series
batch, per site, per hub-day). Each item carries everything its task needs, including its seed, so the
results are identical whichever runner executes them; results come back in the order of the items.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from microfactory.errors import ConfigurationError

T = TypeVar("T")
R = TypeVar("R")

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each finished task."""

log = logging.getLogger(__name__)


class Runner(Protocol):
    """Maps a function over independent items; results keep the items' order."""

    @property
    def description(self) -> str:
        """Where tasks run, for logs and reports (``local: 2 processes``)."""
        ...

    def map(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Apply ``fn`` to every item and return the results in item order."""
        ...

    def close(self) -> None:
        """Release workers or the cluster connection."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class _ClosingContext:
    def close(self) -> None:
        """Release resources; nothing to do by default."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class SerialRunner(_ClosingContext):
    """Runs tasks one after another in this process: for one worker, tests and debugging."""

    @property
    def description(self) -> str:
        """Where tasks run."""
        return "local: in-process"

    def map(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Apply ``fn`` to each item in turn."""
        results: list[R] = []
        for i, item in enumerate(items, start=1):
            results.append(fn(item))
            if progress is not None:
                progress(i, len(items))
        return results


class LocalRunner(_ClosingContext):
    """Runs tasks on a pool of local worker processes.

    Workers are started with ``spawn`` (not ``fork``) because solver libraries run their own threads,
    and forking a threaded process can deadlock. The pool starts on first use, so a runner that only
    ever sees one item never pays for process start-up.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ConfigurationError("MICROFACTORY_WORKERS", workers, "must be at least 1")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    @property
    def description(self) -> str:
        """Where tasks run."""
        return f"local: {self.workers} processes"

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool

    def map(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Apply ``fn`` to the items on the process pool, in parallel."""
        if len(items) <= 1 or self.workers == 1:
            return SerialRunner().map(fn, items, progress=progress)
        pool = self._executor()
        futures: dict[Future[R], int] = {pool.submit(fn, item): i for i, item in enumerate(items)}
        return _collect(futures, len(items), progress)

    def close(self) -> None:
        """Shut the worker processes down."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskRunner(_ClosingContext):
    """Runs tasks on a Dask distributed cluster given its scheduler address (or a ``Client``)."""

    def __init__(self, address_or_client: Any, *, connect_seconds: float = 10.0) -> None:
        import distributed  # imported lazily: only needed when a cluster is used

        Client: Any = distributed.Client
        self._client: Any
        if isinstance(address_or_client, Client):
            self._client = address_or_client
            self._owns_client = False
        else:
            try:
                self._client = Client(address_or_client, timeout=f"{connect_seconds}s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise ConfigurationError(
                    "MICROFACTORY_DASK_SCHEDULER",
                    address_or_client,
                    f"cannot reach the Dask scheduler ({exc})",
                ) from exc
            self._owns_client = True

    @property
    def description(self) -> str:
        """Where tasks run."""
        return f"dask: {self._client.scheduler.address}"

    def map(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Submit one task per item to the cluster and gather results in item order."""
        import distributed

        dask_as_completed: Any = distributed.as_completed
        if not items:
            return []
        # pure=False: the same item submitted twice is two tasks (never served from Dask's cache).
        futures = self._client.map(fn, list(items), pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for done, future in enumerate(dask_as_completed(futures), start=1):
            results[index[future.key]] = future.result()
            if progress is not None:
                progress(done, len(futures))
        return results

    def close(self) -> None:
        """Close the client if this runner opened it."""
        if self._owns_client:
            self._client.close()


def _collect(futures: dict[Future[R], int], total: int, progress: ProgressCallback | None) -> list[R]:
    results: list[Any] = [None] * total
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(done, total)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return results


def make_runner(*, workers: int, dask_scheduler: str | None = None) -> Runner:
    """The runner the settings ask for: Dask when a scheduler address is given, else local processes."""
    if dask_scheduler:
        log.info("fan-out on Dask scheduler %s", dask_scheduler)
        return DaskRunner(dask_scheduler)
    if workers == 1:
        return SerialRunner()
    return LocalRunner(workers)
