"""Volume and sentiment per topic per day, and alerts when a topic rises
beyond its normal range.

Two tests run on every day that has at least `min_history` days before it:

**Volume.** The expected count is seasonal-naive: the mean of the previous
`window` days, scaled by the day of the week's share of the traffic when
there are at least two weeks of history. Day-to-day spread beyond Poisson
noise is measured on the same window (method of moments) and the count is
modelled as negative binomial with that mean and dispersion (Poisson when
the counts are no more spread than Poisson). The alert's p-value is the
upper tail P(X >= observed): how often a day at least this busy happens by
chance in the topic's normal range.

**Negative share.** The negative messages of the day against the topic's
negative share over the window (with one pseudo-count each side), as a
binomial upper tail P(K >= negatives).

A day raises an alert when its p-value is below `alpha` divided by the
number of (topic, test) pairs looked at that day (Bonferroni within a day),
so with the default `alpha` of 0.001 a workspace in its normal range raises
about one false alarm in a thousand days, however many topics it has. No count or
share is a fixed threshold: a topic that always has 200 messages a day is
quiet at 220, and one that has 2 is not at 20.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

VOLUME = "volume"
NEGATIVE = "negative"


@dataclass(frozen=True)
class Series:
    """Daily counts per topic: `messages[t, d]` and `negative[t, d]` for topic t on `first + d` days."""

    first: date
    messages: IntArray
    negative: IntArray

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=d) for d in range(self.messages.shape[1])]


@dataclass(frozen=True)
class Alert:
    """A topic's day beyond its normal range: `kind` is volume or negative;
    `observed` and `expected` are counts (volume) or shares (negative)."""

    topic: int
    day: date
    kind: str
    observed: float
    expected: float
    p_value: float

    def describe(self) -> str:
        if self.kind == VOLUME:
            return (f"{self.observed:.0f} messages against {self.expected:.2g} expected "
                    f"(a day this busy by chance: p = {self.p_value:.1e})")
        return (f"{self.observed:.0%} negative against {self.expected:.0%} normally "
                f"(p = {self.p_value:.1e})")


def daily(topic_of: IntArray, day_of: list[date], negative: npt.NDArray[np.bool_], n_topics: int) -> Series:
    """Count messages and negative messages per topic and day (messages
    without a topic, -1, are left out)."""
    if len(day_of) == 0:
        return Series(date.today(), np.zeros((n_topics, 0), dtype=np.int64), np.zeros((n_topics, 0), dtype=np.int64))
    ordinal = np.asarray([d.toordinal() for d in day_of], dtype=np.int64)
    first = int(ordinal.min())
    n_days = int(ordinal.max()) - first + 1
    keep = topic_of >= 0
    cell = topic_of[keep] * n_days + (ordinal[keep] - first)
    messages = np.bincount(cell, minlength=n_topics * n_days).reshape(n_topics, n_days)
    negatives = np.bincount(cell, weights=negative[keep].astype(np.float64), minlength=n_topics * n_days)
    return Series(date.fromordinal(first), messages.astype(np.int64),
                  negatives.reshape(n_topics, n_days).astype(np.int64))


def expected_volume(history: IntArray, weekdays: IntArray, weekday: int) -> tuple[float, float]:
    """Seasonal-naive mean and negative-binomial dispersion (None-like inf for
    Poisson) of the next day after `history` (oldest first), whose weekday is
    `weekday`; `weekdays` gives each history day's weekday."""
    values = history.astype(np.float64)
    mean = (values.sum() + 0.5) / (len(values) + 0.5)  # a topic never seen still has a small chance
    factor = 1.0
    if len(values) >= 14:
        same = values[weekdays == weekday]
        # the weekday's share, shrunk towards 1 by a pseudo-week
        factor = (same.sum() + mean) / (len(same) + 1) / mean
    mu = mean * factor
    variance = values.var(ddof=1) if len(values) > 1 else mean
    dispersion = mean * mean / (variance - mean) if variance > mean * 1.05 else np.inf
    return mu, float(dispersion)


def upper_tail(observed: int, mu: float, dispersion: float) -> float:
    """P(X >= observed) for a negative binomial with mean `mu` and size
    `dispersion` (Poisson when infinite)."""
    from scipy import stats

    if observed <= 0:
        return 1.0
    if not np.isfinite(dispersion):
        return float(stats.poisson.sf(observed - 1, mu))
    return float(stats.nbinom.sf(observed - 1, dispersion, dispersion / (dispersion + mu)))


def detect(series: Series, *, window: int = 28, min_history: int = 7, alpha: float = 0.001,
           since: date | None = None) -> list[Alert]:
    """Alerts for every topic and day (from `since`, if given) whose volume or
    negative share is beyond the topic's normal range; newest first."""
    from scipy import stats

    n_topics, n_days = series.messages.shape
    weekday_of = (np.arange(n_days) + series.first.weekday()) % 7
    start = max(min_history, 0 if since is None else (since - series.first).days)
    level = alpha / max(1, n_topics * 2)
    alerts: list[Alert] = []
    for t in range(n_topics):
        counts, negatives = series.messages[t], series.negative[t]
        for d in range(start, n_days):
            lo = max(0, d - window)
            history = counts[lo:d]
            mu, dispersion = expected_volume(history, weekday_of[lo:d], int(weekday_of[d]))
            p = upper_tail(int(counts[d]), mu, dispersion)
            day = series.first + timedelta(days=d)
            if p < level and counts[d] > mu:
                alerts.append(Alert(t, day, VOLUME, float(counts[d]), mu, p))
            if counts[d] > 0:
                share = (negatives[lo:d].sum() + 1.0) / (history.sum() + 2.0)
                p_neg = float(stats.binom.sf(int(negatives[d]) - 1, int(counts[d]), share)) if negatives[d] > 0 else 1.0
                if p_neg < level:
                    alerts.append(Alert(t, day, NEGATIVE, negatives[d] / counts[d], float(share), p_neg))
    alerts.sort(key=lambda a: (a.day, -np.log(max(a.p_value, 1e-300))), reverse=True)
    return alerts
