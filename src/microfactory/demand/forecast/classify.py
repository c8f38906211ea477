"""Syntetos–Boylan demand classification: smooth, erratic, intermittent or lumpy.

ADI (average demand interval) is the mean number of periods between non-zero demands; CV² is the
squared coefficient of variation of the non-zero demand sizes. The cut-offs of Syntetos, Boylan and
Croston (2005), ADI 1.32 and CV² 0.49, separate the four classes; intermittent methods (Croston, TSB,
ADIDA, IMAPA) suit the high-ADI classes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49

SMOOTH = "smooth"
ERRATIC = "erratic"
INTERMITTENT = "intermittent"
LUMPY = "lumpy"
NO_DEMAND = "no_demand"
"""A series without any non-zero demand (ADI and CV² undefined)."""


def adi_cv2(values: npt.ArrayLike) -> tuple[float, float]:
    """ADI and CV² of one series (NaN entries ignored); ``(inf, nan)`` when it never has demand.

    ADI = number of periods / number of periods with demand (the mean interval between demands);
    CV² = (std / mean)² of the non-zero sizes (population std), 0 for a single non-zero demand.
    """
    y = np.asarray(values, dtype=np.float64)
    y = y[~np.isnan(y)]
    nonzero = y[y > 0]
    if nonzero.size == 0:
        return float("inf"), float("nan")
    adi = y.size / nonzero.size
    mean = float(nonzero.mean())
    cv2 = float((nonzero.std() / mean) ** 2) if mean > 0 else 0.0
    return float(adi), cv2


def demand_class(adi: float, cv2: float) -> str:
    """The Syntetos–Boylan class for an ADI and CV² (cut-offs 1.32 and 0.49; ties go to the lower class)."""
    if not np.isfinite(adi) or np.isnan(cv2):
        return NO_DEMAND
    if adi <= ADI_CUTOFF:
        return SMOOTH if cv2 <= CV2_CUTOFF else ERRATIC
    return INTERMITTENT if cv2 <= CV2_CUTOFF else LUMPY


def classify(values: npt.ArrayLike) -> tuple[str, float, float]:
    """``(class, adi, cv2)`` of one series."""
    adi, cv2 = adi_cv2(values)
    return demand_class(adi, cv2), adi, cv2


def classify_rows(values: npt.NDArray[np.float64]) -> npt.NDArray[np.str_]:
    """The class of every row of a NaN-padded ``(series, periods)`` matrix (vectorised :func:`classify`)."""
    observed = ~np.isnan(values)
    sizes = np.where(observed & (values > 0), values, 0.0)
    periods = observed.sum(axis=1)
    demands = (sizes > 0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(demands > 0, periods / np.maximum(demands, 1), np.inf)
        mean = sizes.sum(axis=1) / np.maximum(demands, 1)
        var = np.where(sizes > 0, (sizes - mean[:, None]) ** 2, 0.0).sum(axis=1) / np.maximum(demands, 1)
        cv2 = np.where(mean > 0, var / mean**2, np.nan)
    out = np.where(
        adi <= ADI_CUTOFF,
        np.where(cv2 <= CV2_CUTOFF, SMOOTH, ERRATIC),
        np.where(cv2 <= CV2_CUTOFF, INTERMITTENT, LUMPY),
    )
    return np.asarray(np.where(demands > 0, out, NO_DEMAND), dtype=np.str_)
