"""Long frames to a right-aligned matrix and back: the engine's internal layout.

Every series becomes one row of a ``(series, periods)`` matrix whose last column is that series' last
period (earlier periods of shorter series are NaN). Rolling origins are then the same columns for every
series ("``k`` periods before each series' end", as in ``StatsForecast.cross_validation``), which keeps
the backtest vectorised. Missing periods inside a series are demand that did not happen: filled with 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from microfactory.demand.forecast.contract import DS, UNIQUE_ID, Y

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Panel:
    """Series as rows of a right-aligned matrix."""

    unique_ids: tuple[str, ...]
    values: FloatArray
    """``(series, periods)``; NaN before each series' first period."""
    last_ds: tuple[pd.Timestamp, ...]
    freq: str

    @property
    def periods(self) -> int:
        """Columns of the matrix (the longest series' length)."""
        return int(self.values.shape[1])

    def future_ds(self, horizon: int) -> list[pd.DatetimeIndex]:
        """The ``horizon`` period starts after each series' last period."""
        offset = pd.tseries.frequencies.to_offset(self.freq)
        return [pd.date_range(last + offset, periods=horizon, freq=self.freq) for last in self.last_ds]


def build_panel(history: pd.DataFrame, freq: str) -> Panel:
    """Turn a long ``unique_id, ds, y`` frame into a :class:`Panel`.

    ``ValueError`` names the problem for missing columns, NaN or negative ``y`` and duplicate
    ``(unique_id, ds)``; files are validated (with row numbers) before they get here, see :mod:`.csvio`.
    """
    missing = [c for c in (UNIQUE_ID, DS, Y) if c not in history.columns]
    if missing:
        raise ValueError(f"history lacks column(s) {', '.join(missing)}")
    if history.empty:
        raise ValueError("history has no rows")
    frame = pd.DataFrame(
        {
            UNIQUE_ID: history[UNIQUE_ID].astype(str).to_numpy(),
            DS: pd.to_datetime(history[DS]).to_numpy(),
            Y: pd.to_numeric(history[Y]).to_numpy(dtype=np.float64),
        }
    )
    if frame[Y].isna().any() or (frame[Y] < 0).any():
        raise ValueError("history has missing or negative y values")
    ordinal = pd.PeriodIndex(pd.DatetimeIndex(frame[DS]), freq=freq).asi8
    frame["_period"] = ordinal
    if frame.duplicated([UNIQUE_ID, "_period"]).any():
        raise ValueError("history has duplicate (unique_id, period) rows")
    codes, uniques = pd.factorize(frame[UNIQUE_ID], sort=True)
    last_period = pd.Series(ordinal).groupby(codes).max().to_numpy()
    first_period = pd.Series(ordinal).groupby(codes).min().to_numpy()
    width = int((last_period - first_period).max()) + 1
    values = np.full((len(uniques), width), np.nan)
    lengths = last_period - first_period + 1
    for i, length in enumerate(lengths):
        values[i, width - int(length) :] = 0.0
    column = width - 1 - (last_period[codes] - ordinal)
    values[codes, column] = frame[Y].to_numpy()
    last_ds = frame.groupby(codes)[DS].max()
    return Panel(
        unique_ids=tuple(str(u) for u in uniques),
        values=values,
        last_ds=tuple(pd.Timestamp(last_ds.loc[i]) for i in range(len(uniques))),
        freq=freq,
    )
