"""The give-versus-take audit of the brand's own messages, pure: plain data in,
figures (each with its reason in words) out.

- the **give ratio**: of the messages read as give or take, the share that
  give (neutral ones count for neither), over the whole period, per week
  and per month;
- **engagement** of a message: likes + reposts + people's replies (a
  Reddit score stands in for likes where no likes are known);
- **cadence** per platform, of the brand's own posts (not its replies): a
  *gap* is a stretch of more than :data:`GAP_DAYS` days without a post, a
  *burst* a day with :data:`BURST_POSTS` or more posts;
- **response** per platform: of the threads people started, the share the
  brand answered, and the minutes to its first answer (50th and 90th
  percentile);
- **suggestions** drawn from the brand's best-received giving posts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

__all__ = [
    "BURST_POSTS",
    "GAP_DAYS",
    "AuditPost",
    "by_period",
    "cadence",
    "engagement",
    "give_ratio",
    "ratio_reason",
    "response",
    "suggestions",
]

GAP_DAYS = 7
BURST_POSTS = 3
SUBTYPE_WORDS = {
    "help": "helping", "educate": "teaching", "share": "sharing and crediting", "community": "community",
    "promote": "promotion", "sell": "selling", "ask": "asking", "other": "other",
}


@dataclass(frozen=True)
class AuditPost:
    """One of the brand's messages with its reading and what people did with it."""

    id: int
    platform: str
    created_at: datetime
    is_reply: bool
    text: str
    url: str | None
    kind: str  # give, take, neutral
    subtype: str
    score: float
    reasons: tuple[str, ...]
    engagement: int
    engagement_reason: str


def engagement(metrics: dict[str, Any], replies: int) -> tuple[int, str]:
    """Likes + reposts + people's replies, and the same in words."""

    def num(name: str) -> int:
        value = metrics.get(name)
        return int(value) if isinstance(value, int | float) and value > 0 else 0

    likes = num("likes") or num("favourites") or num("score")
    parts = [(likes, "like"), (num("reposts"), "repost"), (max(replies, num("replies")), "reply")]
    total = sum(n for n, _ in parts)
    words = [f"{n} {name if n == 1 else ('replies' if name == 'reply' else name + 's')}" for n, name in parts if n]
    return total, ", ".join(words) if words else "no likes, reposts or replies recorded"


def give_ratio(posts: Iterable[AuditPost]) -> float | None:
    """Give / (give + take); None when nothing was read as either."""
    counts = Counter(p.kind for p in posts)
    total = counts["give"] + counts["take"]
    return counts["give"] / total if total else None


def ratio_reason(posts: Sequence[AuditPost]) -> str:
    counts = Counter(p.kind for p in posts)
    total = counts["give"] + counts["take"]
    if not total:
        return "no messages of the brand read as give or take in this period"
    own = [p for p in posts if not p.is_reply]
    own_counts = Counter(p.kind for p in own)
    own_total = own_counts["give"] + own_counts["take"]
    text = f"{counts['give']} of {total} messages give ({counts['take']} take"
    text += f", {counts['neutral']} neutral not counted)" if counts["neutral"] else ")"
    if own_total:
        text += f"; of its own posts (not replies) {own_counts['give']} of {own_total} give"
    return text


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def by_period(posts: Iterable[AuditPost], unit: str = "week") -> list[dict[str, Any]]:
    """Give, take and neutral counts and the give ratio per week (from Monday) or month, oldest first."""
    buckets: dict[date, Counter[str]] = defaultdict(Counter)
    own: dict[date, Counter[str]] = defaultdict(Counter)
    for p in posts:
        day = p.created_at.date()
        key = _week(day) if unit == "week" else day.replace(day=1)
        buckets[key][p.kind] += 1
        if not p.is_reply:
            own[key][p.kind] += 1
    rows = []
    for key in sorted(buckets):
        c, o = buckets[key], own[key]
        total, own_total = c["give"] + c["take"], o["give"] + o["take"]
        rows.append({
            "start": key.isoformat(), "give": c["give"], "take": c["take"], "neutral": c["neutral"],
            "give_ratio": round(c["give"] / total, 4) if total else None,
            "posts_give": o["give"], "posts_take": o["take"],
            "posts_give_ratio": round(o["give"] / own_total, 4) if own_total else None,
        })
    return rows


def cadence(posts: Iterable[AuditPost]) -> list[dict[str, Any]]:
    """Per platform, the brand's own posts (not replies): how many, per week,
    the gaps longer than GAP_DAYS days and the days with BURST_POSTS or more posts."""
    by_platform: dict[str, list[datetime]] = defaultdict(list)
    for p in posts:
        if not p.is_reply:
            by_platform[p.platform].append(p.created_at)
    out = []
    for platform in sorted(by_platform):
        times = sorted(by_platform[platform])
        gaps: list[dict[str, Any]] = []
        for a, b in zip(times, times[1:], strict=False):
            days = (b - a).total_seconds() / 86400
            if days > GAP_DAYS:
                gaps.append({"from": a.isoformat(), "to": b.isoformat(), "days": round(days, 1)})
        per_day = Counter(t.date() for t in times)
        bursts = [{"day": d.isoformat(), "posts": n} for d, n in sorted(per_day.items()) if n >= BURST_POSTS]
        span_weeks = max(1.0, (times[-1] - times[0]).total_seconds() / (7 * 86400))
        longest: float | None = max((float(g["days"]) for g in gaps), default=None)
        reason = f"{len(times)} posts, {len(times) / span_weeks:.1f} a week"
        reason += f"; {len(gaps)} gap{'s' if len(gaps) != 1 else ''} over {GAP_DAYS} days (longest {longest} days)" if gaps else f"; no gap over {GAP_DAYS} days"
        if bursts:
            reason += f"; {len(bursts)} day{'s' if len(bursts) != 1 else ''} with {BURST_POSTS} or more posts"
        out.append({
            "platform": platform, "posts": len(times), "posts_per_week": round(len(times) / span_weeks, 2),
            "longest_gap_days": longest, "gaps": gaps, "bursts": bursts, "reason": reason,
        })
    return out


def response(times: Iterable[tuple[str, datetime, datetime | None]]) -> list[dict[str, Any]]:
    """Per platform: threads people started, the share the brand answered, and minutes to its first answer."""
    by_platform: dict[str, list[float | None]] = defaultdict(list)
    for platform, asked, answered in times:
        by_platform[platform].append(None if answered is None else (answered - asked).total_seconds() / 60)
    out = []
    for platform in sorted(by_platform):
        waits = by_platform[platform]
        done = np.array([w for w in waits if w is not None], dtype=np.float64)
        p50 = round(float(np.percentile(done, 50)), 1) if len(done) else None
        p90 = round(float(np.percentile(done, 90)), 1) if len(done) else None
        rate = len(done) / len(waits)
        reason = f"answered {len(done)} of {len(waits)} threads people started"
        if p50 is not None:
            reason += f"; first answer after {p50:g} min (median), {p90:g} min (90th percentile)"
        out.append({"platform": platform, "threads": len(waits), "answered": len(done), "reply_rate": round(rate, 4),
                    "first_reply_minutes_p50": p50, "first_reply_minutes_p90": p90, "reason": reason})
    return out


def consistency_reason(cadence_rows: Sequence[dict[str, Any]], response_rows: Sequence[dict[str, Any]]) -> str:
    """One sentence comparing the platforms."""
    parts = []
    rated = [r for r in response_rows if r["threads"]]
    if len(rated) >= 2:
        lo = min(rated, key=lambda r: r["reply_rate"])
        hi = max(rated, key=lambda r: r["reply_rate"])
        parts.append(f"reply rate from {lo['reply_rate']:.0%} on {lo['platform']} to {hi['reply_rate']:.0%} on {hi['platform']}")
        timed = [r for r in rated if r["first_reply_minutes_p50"] is not None]
        if len(timed) >= 2:
            slow = max(timed, key=lambda r: r["first_reply_minutes_p50"])
            fast = min(timed, key=lambda r: r["first_reply_minutes_p50"])
            parts.append(f"median first answer from {fast['first_reply_minutes_p50']:g} min on {fast['platform']} "
                         f"to {slow['first_reply_minutes_p50']:g} min on {slow['platform']}")
    elif rated:
        parts.append(f"{rated[0]['platform']}: {rated[0]['reason']}")
    gappy = [r for r in cadence_rows if r["gaps"]]
    if gappy:
        parts.append("posting gaps on " + ", ".join(f"{r['platform']} ({r['longest_gap_days']:g} days)" for r in gappy))
    return "; ".join(parts) if parts else "not enough messages to compare the platforms"


def _snippet(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def suggestions(posts: Sequence[AuditPost], cadence_rows: Sequence[dict[str, Any]], top: int = 3) -> list[dict[str, Any]]:
    """What to do more (and less) of, drawn from the brand's own best-received giving posts."""
    own = [p for p in posts if not p.is_reply]
    out: list[dict[str, Any]] = []
    gives = sorted((p for p in own if p.kind == "give"), key=lambda p: (-p.engagement, p.id))
    takes = [p for p in own if p.kind == "take"]
    if gives:
        by_subtype: dict[str, list[AuditPost]] = defaultdict(list)
        for p in gives:
            by_subtype[p.subtype].append(p)
        best_subtype = max(by_subtype, key=lambda s: (float(np.mean([p.engagement for p in by_subtype[s]])), s))
        best = by_subtype[best_subtype]
        mean_best = float(np.mean([p.engagement for p in best]))
        text = (f"Your {len(best)} {SUBTYPE_WORDS[best_subtype]} post{'s' if len(best) != 1 else ''} "
                f"drew {mean_best:.0f} engagements on average")
        if takes:
            mean_take = float(np.mean([p.engagement for p in takes]))
            text += f", against {mean_take:.0f} for your {len(takes)} taking post{'s' if len(takes) != 1 else ''}"
        text += f": post more like {'them' if len(best) != 1 else 'it'}"
        out.append({"text": text + ".", "message_ids": [p.id for p in sorted(best, key=lambda p: -p.engagement)[:top]]})
        for p in gives[:top]:
            out.append({"text": f"Best received: \u201c{_snippet(p.text)}\u201d ({p.platform}, {p.engagement_reason}). "
                                f"Write more like it.", "message_ids": [p.id]})
    if takes and gives:
        worst = sorted(takes, key=lambda p: (p.engagement, p.id))[:top]
        out.append({"text": f"Your taking posts were received less well: \u201c{_snippet(worst[0].text)}\u201d drew "
                            f"{worst[0].engagement_reason}. Lead with something useful instead.",
                    "message_ids": [p.id for p in worst]})
    for row in cadence_rows:
        if row["gaps"]:
            gap = max(row["gaps"], key=lambda g: g["days"])
            out.append({"text": f"On {row['platform']} you went {gap['days']:g} days without posting "
                                f"({gap['from'][:10]} to {gap['to'][:10]}); people notice silence.", "message_ids": []})
        if row["bursts"]:
            burst = max(row["bursts"], key=lambda b: b["posts"])
            out.append({"text": f"On {row['platform']} you posted {burst['posts']} times on {burst['day']}; "
                                f"spread posts out so each one is seen.", "message_ids": []})
    return out
