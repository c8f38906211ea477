"""Local wall-clock time for the demo generator, converted to aware UTC in bulk.

Demand happens on the Europe/London wall clock (lunch at 12:30 in winter and in summer), so the
generator works in *local minutes* since the history start and converts to UTC at the end. The UTC
offset is looked up per local hour from the tz database, so a whole array converts in one numpy step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

LONDON = ZoneInfo("Europe/London")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
HISTORY_WEEKS = 104

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LocalClock:
    """Maps local minutes since ``start_day`` 00:00 (Europe/London) to UTC datetimes.

    ``days`` covers the history plus the future the generator may reach (delivery and install
    windows after ``as_of``).
    """

    start_day: date
    days: int
    offset_minutes_by_hour: IntArray

    @classmethod
    def covering(cls, start_day: date, days: int) -> LocalClock:
        """A clock from ``start_day`` 00:00 local for ``days`` days (plus one of margin)."""
        hours = (days + 1) * 24
        offsets = np.empty(hours, dtype=np.int64)
        base = datetime.combine(start_day, time(0))
        for h in range(hours):
            # fold=0: a wall time that happens twice (autumn) takes the first (summer) offset, and one
            # that never happens (spring) takes the offset before the change, as zoneinfo does.
            wall = (base + timedelta(hours=h)).replace(tzinfo=LONDON)
            offset = wall.utcoffset()
            offsets[h] = 0 if offset is None else int(offset.total_seconds() // 60)
        return cls(start_day=start_day, days=days, offset_minutes_by_hour=offsets)

    def day(self, index: int) -> date:
        """The local calendar date of day ``index``."""
        return self.start_day + timedelta(days=index)

    def to_utc_minutes(self, local_minutes: IntArray) -> IntArray:
        """UTC minutes since ``start_day`` 00:00 *UTC* for local minutes since ``start_day`` 00:00 local."""
        hours = np.clip(local_minutes // 60, 0, len(self.offset_minutes_by_hour) - 1)
        return local_minutes - self.offset_minutes_by_hour[hours]

    def to_datetimes(self, local_minutes: IntArray) -> list[datetime]:
        """Aware UTC datetimes for an array of local minutes."""
        utc = self.to_utc_minutes(np.asarray(local_minutes, dtype=np.int64))
        base = np.datetime64(self.start_day.isoformat(), "m")
        naive = (base + utc.astype("timedelta64[m]")).astype("datetime64[us]").tolist()
        return [moment.replace(tzinfo=UTC) for moment in naive]

    def local_minute(self, moment: datetime) -> int:
        """Local minutes since ``start_day`` 00:00 for an aware datetime."""
        local = moment.astimezone(LONDON)
        days = (local.date() - self.start_day).days
        return days * MINUTES_PER_DAY + local.hour * 60 + local.minute


def local_midnight_utc(day: date) -> datetime:
    """00:00 Europe/London on ``day`` as an aware UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def history_start_day(as_of: datetime) -> date:
    """The Monday (Europe/London) that opens the history: 104 weeks before the week of ``as_of``."""
    local = as_of.astimezone(LONDON).date()
    monday = local - timedelta(days=local.weekday())
    return monday - timedelta(weeks=HISTORY_WEEKS)
