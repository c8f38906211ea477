"""A small sparse model builder over numpy arrays, solved by HiGHS through OR-Tools MathOpt.

Models of hundreds of thousands of variables are built as a MathOpt ``ModelProto`` straight from numpy
arrays (one call per block instead of one per variable), then solved with
``mathopt.solve(..., SolverType.HIGHS)``. The ``highspy`` package is never imported: it bundles its own
HiGHS, which cannot share a process with the one inside OR-Tools.

HiGHS keeps one thread pool per process, sized by the first solve; asking a later solve for another
size is an error, so :func:`solve_highs` then retries with the pool as it is (and says so in the log).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.math_opt import (
    callback_pb2,
    model_parameters_pb2,
    model_pb2,
    parameters_pb2,
    result_pb2,
    solution_pb2,
)
from ortools.math_opt.core.python import solver as core_solver
from ortools.math_opt.python import mathopt
from ortools.math_opt.solvers import highs_pb2
from pybind11_abseil.status import StatusNotOk  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

log = logging.getLogger(__name__)


class SolveStatus(StrEnum):
    """Outcome of one solver call."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    """A solution, but the time limit stopped the proof of optimality."""
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"
    """Stopped (time limit) before any solution was found; feasibility unknown."""


@dataclass
class SparseModel:
    """Mutable builder: variables in blocks, rows as coordinate triplets; minimisation."""

    lower: list[FloatArray] = field(default_factory=list)
    upper: list[FloatArray] = field(default_factory=list)
    cost: list[FloatArray] = field(default_factory=list)
    integer: list[BoolArray] = field(default_factory=list)
    rows: list[IntArray] = field(default_factory=list)
    cols: list[IntArray] = field(default_factory=list)
    coefs: list[FloatArray] = field(default_factory=list)
    row_lower: list[FloatArray] = field(default_factory=list)
    row_upper: list[FloatArray] = field(default_factory=list)
    num_vars: int = 0
    num_rows: int = 0

    def add_vars(
        self,
        n: int,
        *,
        lower: float = 0.0,
        upper: float = 1.0,
        cost: npt.ArrayLike = 0.0,
        integer: bool = False,
    ) -> IntArray:
        """Add ``n`` variables with common bounds and per-variable costs; returns their indices."""
        self.lower.append(np.full(n, lower))
        self.upper.append(np.full(n, upper))
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=np.float64), (n,)).copy())
        self.integer.append(np.full(n, integer))
        start = self.num_vars
        self.num_vars += n
        return np.arange(start, self.num_vars, dtype=np.int64)

    def add_rows(
        self,
        n: int,
        rows: npt.ArrayLike,
        cols: npt.ArrayLike,
        coefs: npt.ArrayLike,
        *,
        lower: npt.ArrayLike = -math.inf,
        upper: npt.ArrayLike = math.inf,
    ) -> IntArray:
        """Add ``n`` rows ``lower ≤ Σ coef·x ≤ upper``; ``rows`` are local (0..n-1). Returns row indices."""
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        v = np.broadcast_to(np.asarray(coefs, dtype=np.float64), r.shape)
        self.rows.append(r + self.num_rows)
        self.cols.append(c)
        self.coefs.append(v.copy())
        self.row_lower.append(np.broadcast_to(np.asarray(lower, dtype=np.float64), (n,)).copy())
        self.row_upper.append(np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,)).copy())
        start = self.num_rows
        self.num_rows += n
        return np.arange(start, self.num_rows, dtype=np.int64)

    def to_proto(self, *, relax: bool = False) -> model_pb2.ModelProto:
        """The model as a MathOpt proto; ``relax`` drops integrality (the LP relaxation)."""
        proto = model_pb2.ModelProto()
        v = proto.variables
        v.ids.extend(range(self.num_vars))
        v.lower_bounds.extend(_cat(self.lower).tolist())
        v.upper_bounds.extend(_cat(self.upper).tolist())
        integers = _cat(self.integer, np.bool_) if self.integer else np.zeros(0, np.bool_)
        v.integers.extend((np.zeros_like(integers) if relax else integers).tolist())
        costs = _cat(self.cost)
        nz = np.flatnonzero(costs)
        proto.objective.linear_coefficients.ids.extend(nz.tolist())
        proto.objective.linear_coefficients.values.extend(costs[nz].tolist())
        lc = proto.linear_constraints
        lc.ids.extend(range(self.num_rows))
        lc.lower_bounds.extend(_cat(self.row_lower).tolist())
        lc.upper_bounds.extend(_cat(self.row_upper).tolist())
        if self.rows:
            r, c, x = _cat(self.rows, np.int64), _cat(self.cols, np.int64), _cat(self.coefs)
            keep = x != 0
            r, c, x = r[keep], c[keep], x[keep]
            order = np.lexsort((c, r))
            m = proto.linear_constraint_matrix
            m.row_ids.extend(r[order].tolist())
            m.column_ids.extend(c[order].tolist())
            m.coefficients.extend(x[order].tolist())
        return proto


def _cat(parts: Sequence[npt.NDArray[Any]], dtype: npt.DTypeLike = np.float64) -> npt.NDArray[Any]:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


@dataclass(frozen=True, eq=False)
class SolveOutcome:
    """What one HiGHS call returned, as arrays indexed like the model's variables and rows."""

    status: SolveStatus
    objective: float | None
    bound: float | None
    """Proven lower bound on the optimum (minimisation); ``None`` when unknown."""
    values: FloatArray | None
    duals: FloatArray | None
    """Row duals of an LP (MathOpt sign convention: reduced cost = c − Aᵀ·duals)."""
    seconds: float


def solve_highs(
    model: SparseModel,
    *,
    seconds: float,
    threads: int = 1,
    relative_gap: float = 1e-4,
    relax: bool = False,
    hint: FloatArray | None = None,
    seed: int = 1,
    verbose: bool = False,
    options: dict[str, bool | int | float | str] | None = None,
) -> SolveOutcome:
    """Solve ``model`` (or its LP relaxation) with HiGHS via MathOpt within ``seconds``.

    ``hint`` is a full primal solution handed to HiGHS as a MIP start. The model goes to MathOpt's
    solver as a proto and the solution comes back as arrays, without building a Python object per
    variable (that would cost more than the solve on national instances). Never raises for an infeasible
    model: the status says so. Raises ``RuntimeError`` when the solver itself fails.
    """
    started = time.perf_counter()
    proto = model.to_proto(relax=relax)
    model_params = model_parameters_pb2.ModelSolveParametersProto()
    if hint is not None and not relax:
        solution_hint = model_params.solution_hints.add()
        solution_hint.variable_values.ids.extend(range(model.num_vars))
        solution_hint.variable_values.values.extend(hint.tolist())
    highs = _highs_options(options or {})
    result = _run(proto, max(0.01, seconds), threads, relative_gap, seed, model_params, verbose, highs)
    elapsed = time.perf_counter() - started
    reason = result.termination.reason
    solution = result.solutions[0] if len(result.solutions) else None
    has_solution = (
        solution is not None
        and solution.HasField("primal_solution")
        and solution.primal_solution.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE
    )
    if reason in (result_pb2.TERMINATION_REASON_NUMERICAL_ERROR, result_pb2.TERMINATION_REASON_OTHER_ERROR):
        raise RuntimeError(f"HiGHS failed: {result.termination.detail}")
    if reason == result_pb2.TERMINATION_REASON_OPTIMAL and has_solution:
        status = SolveStatus.OPTIMAL
    elif reason in (
        result_pb2.TERMINATION_REASON_INFEASIBLE,
        result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED,
        result_pb2.TERMINATION_REASON_UNBOUNDED,
    ):
        status = SolveStatus.INFEASIBLE
    elif has_solution:
        status = SolveStatus.FEASIBLE
    else:
        status = SolveStatus.NO_SOLUTION
    bound = _finite(result.termination.objective_bounds.dual_bound)
    if not has_solution or solution is None:
        return SolveOutcome(status, None, bound, None, None, elapsed)
    primal = solution.primal_solution
    values = np.zeros(model.num_vars)
    values[np.array(primal.variable_values.ids, dtype=np.int64)] = np.array(primal.variable_values.values)
    duals = None
    if solution.HasField("dual_solution"):
        duals = np.zeros(model.num_rows)
        dual = solution.dual_solution.dual_values
        duals[np.array(dual.ids, dtype=np.int64)] = np.array(dual.values)
    objective = float(primal.objective_value)
    if status is SolveStatus.OPTIMAL:
        bound = objective if bound is None else min(bound, objective)
    return SolveOutcome(status, objective, bound, values, duals, elapsed)


def _highs_options(options: dict[str, bool | int | float | str]) -> highs_pb2.HighsOptionsProto:
    """HiGHS options by name, sorted into MathOpt's typed maps."""
    proto = highs_pb2.HighsOptionsProto()
    for name, value in options.items():
        if isinstance(value, bool):
            proto.bool_options[name] = value
        elif isinstance(value, int):
            proto.int_options[name] = value
        elif isinstance(value, float):
            proto.double_options[name] = value
        else:
            proto.string_options[name] = value
    return proto


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _run(
    proto: model_pb2.ModelProto,
    seconds: float,
    threads: int,
    relative_gap: float,
    seed: int,
    model_params: model_parameters_pb2.ModelSolveParametersProto,
    verbose: bool,
    highs: highs_pb2.HighsOptionsProto,
) -> result_pb2.SolveResultProto:
    def params(with_threads: bool) -> parameters_pb2.SolveParametersProto:
        options = highs_pb2.HighsOptionsProto()
        options.CopyFrom(highs)
        if with_threads:
            options.int_options["threads"] = threads
        return mathopt.SolveParameters(
            time_limit=timedelta(seconds=seconds),
            relative_gap_tolerance=relative_gap,
            random_seed=seed,
            enable_output=verbose,
            highs=options,
        ).to_proto()

    def call(with_threads: bool) -> result_pb2.SolveResultProto:
        out: result_pb2.SolveResultProto = core_solver.solve(
            proto,
            mathopt.SolverType.HIGHS.value,
            parameters_pb2.SolverInitializerProto(),
            params(with_threads),
            model_params,
            None,
            callback_pb2.CallbackRegistrationProto(),
            None,
            None,
        )
        return out

    try:
        return call(True)
    except StatusNotOk as exc:
        # HiGHS's thread pool is process-wide and fixed by the first solve; asking for another size
        # fails. Retry on the pool as it is.
        log.debug("HiGHS refused threads=%d (%s); using the process's thread pool", threads, exc)
    try:
        return call(False)
    except StatusNotOk as exc:
        raise RuntimeError(f"HiGHS failed: {exc}") from exc
