"""Relationship health: the figures of a period beside the period before, the
messages behind each figure, and the self-contained HTML report.

Reading needs the agent role. The figures are worked out when asked for, from
the stored messages, their signals and the people's histories, by the pure
`goodwill.metrics.health`; the charts by `goodwill.metrics.charts`. Each
figure is defined in docs/health.md.

The default period is the 30 whole UTC days ending with the day of the latest
stored message (not today: an imported archive is reported as of its end).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from goodwill.domain.people import History
from goodwill.domain.team import Actor, Role
from goodwill.errors import FieldError, NotFoundError
from goodwill.metrics import health as core
from goodwill.metrics.report import render_html, shown
from goodwill.metrics.report import table as report_table
from goodwill.people import stage_of
from goodwill.service import advocacy, giving
from goodwill.service.audit import iso, now, record, require
from goodwill.store import Store
from goodwill.store import cases as case_store
from goodwill.store import health as health_store
from goodwill.store import people as people_store
from goodwill.store.audit import Tx
from goodwill.store.workspace import load_workspace

__all__ = ["DEFAULT_DAYS", "FIGURES", "EVIDENCE", "MAX_DAYS", "PEOPLE_FIGURES", "chart_svgs", "evidence", "period_of", "report", "report_file", "report_html",
           "run_due", "schedule", "schedules", "summary_line", "table", "unschedule"]

DEFAULT_DAYS = 30
MAX_DAYS = 366
#: At most this many people (the most active of the period) have their stages worked out.
STAGE_PEOPLE = 2000
#: How far before the period people's messages still matter to their stage (a stage looks back 90 days).
STAGE_LOOKBACK = timedelta(days=90)

#: The figures whose messages can be listed, with what the list shows.
FIGURES = {
    "asks": "customers' questions and complaints (and messages needing a response) in the period",
    "answered": "asks the brand answered in their thread",
    "unanswered": "asks the brand has not answered in their thread",
    "complaints": "complaints in the period",
    "resolved": "complaints answered in public where the customer did not come back negative",
    "unresolved": "complaints unanswered, or where the customer came back negative after the answer",
    "uplift": "the messages of the people the brand replied to, in the 30 days before and after its first reply",
    "brand": "the brand's own messages in the period",
}
#: The figures whose people can be listed (stages at the period's start and end).
PEOPLE_FIGURES = {
    "advocates": "people who acted as advocates in the period (recommended, defended or praised the brand, or answered "
                 "other customers, at least twice and more often than they were negative)",
    "advocates_gained": "people who acted as advocates in the period and not in the period of the same length before",
    "advocates_lost": "people who acted as advocates in the period before and not in this one",
    "detractors_turned_around": "detractors at the start of the period who were engaged or advocates at its end",
}
#: Where each figure of the report's table is shown from: the messages or people it counted.
EVIDENCE = {"response_rate": "asks", "first_response_minutes_p50": "answered", "first_response_minutes_p90": "answered",
            "resolved_publicly_rate": "complaints", "sentiment_uplift": "uplift", "advocates": "advocates",
            "advocates_gained": "advocates_gained", "advocates_lost": "advocates_lost",
            "detractors_turned_around": "detractors_turned_around", "give_ratio": "brand", "asks": "asks",
            "brand_messages": "brand"}
#: The top-level figures compared with the period before.
COMPARED = ("response_rate", "first_response_minutes_p50", "first_response_minutes_p90", "resolved_publicly_rate",
            "sentiment_uplift", "advocates", "advocates_gained", "advocates_lost", "detractors_turned_around",
            "asks", "answered", "complaints", "give_ratio", "brand_messages")


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def period_of(conn: Tx, start: date | None, end: date | None) -> tuple[datetime, datetime]:
    """[start, end) in UTC for the days `start`..`end` (both included); see the module's note for the defaults."""
    try:
        return _period_of(conn, start, end)
    except OverflowError:
        raise FieldError("from" if start is not None else "to", "the period runs outside the calendar") from None


def _period_of(conn: Tx, start: date | None, end: date | None) -> tuple[datetime, datetime]:
    if start is not None and end is not None and start > end:
        raise FieldError("from", f"{start.isoformat()} is after --to {end.isoformat()}")
    if end is None:
        if start is not None:
            end = min(start + timedelta(days=DEFAULT_DAYS - 1), _latest(conn).date())
        else:
            end = _latest(conn).date()
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise FieldError("from", f"{start.isoformat()} is after the last day of the period, {end.isoformat()} "
                                 "(the day of the latest stored message unless --to says otherwise)")
    if (end - start).days + 1 > MAX_DAYS:
        raise FieldError("from", f"a report covers at most {MAX_DAYS} days; {start} to {end} is {(end - start).days + 1}")
    return _midnight(start), _midnight(end + timedelta(days=1))


def _latest(conn: Tx) -> datetime:
    return health_store.span(conn)[1] or datetime.now(UTC)


def _as_of(history: History, when: datetime) -> History:
    """The history as it stood at `when`: later messages left out, answers that came later not yet given."""
    said = [s if s.answered_at is None or s.answered_at <= when else replace(s, answered_at=None)
            for s in history.said if s.at <= when]
    return History(said, [b for b in history.brand if b.at <= when])


def _stage_changes(conn: Tx, edges: list[datetime]) -> tuple[list[list[core.StageChange]], bool]:
    """Stage changes over each run of consecutive periods whose edges are `edges` (start, ..., end): one history
    read per person, a stage at every edge. A stage at an edge is the stage at its last instant before it."""
    earliest = datetime.min.replace(tzinfo=UTC)
    since = edges[0] - STAGE_LOOKBACK if edges[0] - earliest > STAGE_LOOKBACK else earliest
    found = health_store.active_people(conn, since, edges[-1], STAGE_PEOPLE + 1)
    capped = len(found) > STAGE_PEOPLE
    instants = [e - timedelta(microseconds=1) for e in edges]
    runs: list[list[core.StageChange]] = [[] for _ in edges[1:]]
    for person, account_ids in found[:STAGE_PEOPLE]:
        h = people_store.history(conn, account_ids)
        stages = [stage_of(_as_of(h, at), at).stage.value for at in instants]
        for i, run in enumerate(runs):
            run.append(core.StageChange(person, stages[i], stages[i + 1]))
    return runs, capped


def _asks(conn: Tx, start: datetime, end: datetime) -> list[core.Ask]:
    """The period's asks, each with its answer, and its thread's case where one was resolved."""
    candidates = health_store.ask_candidates(conn, start, end)
    keys = {(c["platform"], c["thread_root_id"]) for c in candidates}
    thread = health_store.thread_messages(conn, keys, start)
    cases = {key: bool(row["resolved_public"]) for key, row in case_store.by_threads(conn, keys).items()
             if row["resolved_at"] is not None and row["resolved_public"] is not None}
    return core.answer_asks(candidates, thread, cases)


def _period(conn: Tx, start: datetime, end: datetime, changes: list[core.StageChange] | None = None) -> core.Period:
    first = health_store.first_replies(conn, start, end)
    said = []
    if first:
        times = [t for t, _ in first.values()]
        said = health_store.sentiments(conn, list(first), min(times) - core.MOOD_WINDOW,
                                       max(times) + core.MOOD_WINDOW + timedelta(microseconds=1))
    brand = health_store.brand_times(conn, start, end)
    return core.Period(start=start, end=end, asks=_asks(conn, start, end), moods=core.moods(first, said),
                       changes=changes or [], brand_times=[t for _, t in brand], platforms=sorted({p for p, _ in brand}))


def _give_ratio(conn: Tx, start: datetime, end: datetime) -> tuple[float | None, str | None]:
    """The brand's give ratio in the period, from the give-versus-take audit (docs/give-take.md)."""
    value = giving.give_ratio(conn, start, end)
    if value is None:
        return None, "the brand wrote nothing in the period that the give-versus-take audit read as giving or taking"
    return round(float(value), 3), None


#: The advocates figures as the advocates finder counts them; the stage counts move under `advocates_by_stage`.
BY_STAGE = {"advocates": "advocates", "advocates_at_start": "at_start", "advocates_gained": "gained",
            "advocates_lost": "lost"}


def _advocate_ids(conn: Tx, start: datetime, end: datetime) -> list[int]:
    """The people the advocates finder finds from `start` up to `end`, best first (docs/advocacy.md)."""
    return [a.person_id for a in advocacy.advocates(conn, start, end)]


def _advocate_groups(conn: Tx, start: datetime, end: datetime) -> dict[str, list[int]]:
    """The advocates of the period, and those gained and lost against the period of the same length before."""
    now_ids = _advocate_ids(conn, start, end)
    try:
        before = set(_advocate_ids(conn, start - (end - start), start))
    except OverflowError:
        before = set()
    found = set(now_ids)
    return {"advocates": now_ids, "advocates_gained": [p for p in now_ids if p not in before],
            "advocates_lost": sorted(before - found)}


def _figures(conn: Tx, start: datetime, end: datetime, changes: list[core.StageChange],
             capped: bool) -> tuple[dict[str, Any], dict[str, str]]:
    period = _period(conn, start, end, changes)
    figs = core.figures(period)
    figs["advocates_by_stage"] = {short: figs.pop(key) for key, short in BY_STAGE.items()}
    figs.update({k: len(v) for k, v in _advocate_groups(conn, start, end).items()})
    notes: dict[str, str] = {}
    figs["give_ratio"], why = _give_ratio(conn, start, end)
    if why:
        notes["give_ratio"] = why
    if figs["response_rate"] is None:
        notes["response_rate"] = "no customer asked a question, complained or needed a response in the period"
    if figs["first_response_minutes_p50"] is None:
        notes["first_response_minutes_p50"] = notes["first_response_minutes_p90"] = "the brand answered no ask of the period"
    if figs["resolved_publicly_rate"] is None:
        notes["resolved_publicly_rate"] = "no complaint in the period"
    if figs["sentiment_uplift"] is None:
        notes["sentiment_uplift"] = ("nobody the brand replied to in the period wrote both in the 30 days before "
                                     "and in the 30 days after its first reply")
    if figs["sentiment_uplift_ci"] is None and figs["sentiment_uplift"] is not None:
        notes["sentiment_uplift_ci"] = "an interval needs at least two people with messages before and after a reply"
    if figs["consistency"]["channel_spread"] is None:
        notes["channel_spread"] = "fewer than two channels had asks"
    if capped:
        notes["advocates_by_stage"] = f"stages were worked out for the {STAGE_PEOPLE} most active people of the period only"
    return figs, notes


def _plain(figs: dict[str, Any]) -> dict[str, Any]:
    out = dict(figs)
    out["from"] = figs["from"].date().isoformat()
    out["to"] = (figs["to"] - timedelta(days=1)).date().isoformat()
    return out


def report(store: Store, actor: Actor, *, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """The figures of the period (the days start..end, both included) beside those of the period of the same length before."""
    require(actor, Role.AGENT)
    with store.begin() as conn:
        since, until = period_of(conn, start, end)
        try:
            earlier = since - (until - since)
        except OverflowError:
            raise FieldError("from", "the period before this one would start before the year 1") from None
        (before_changes, changes), capped = _stage_changes(conn, [earlier, since, until])
        figs, notes = _figures(conn, since, until, changes, capped)
        before, _ = _figures(conn, earlier, since, before_changes, capped)
        given = _given(conn, since, until)
        latest = _latest(conn)
        name = load_workspace(conn).name
    now = _plain(figs)
    prev = _plain(before)
    prev.pop("days")
    return {
        "workspace": name,
        **now,
        "days_in_period": (until - since).days,
        "data_until": iso(latest),
        "previous": prev,
        "change": {k: core.change(now[k], prev[k]) for k in COMPARED},
        "notes": notes,
        **given,
    }


#: At most this many advocates and gestures are listed in the report.
LISTED = 20


def _given(conn: Tx, since: datetime, until: datetime) -> dict[str, Any]:
    """Who the advocates of the period are (their acts and latest evidence) and the gestures logged in it, with
    their outcomes (docs/advocacy.md)."""
    found = advocacy.advocates(conn, since, until)
    names = health_store.people_names(conn, [a.person_id for a in found[:LISTED]])
    people = [_advocate_item(a, names) for a in found[:LISTED]]
    gestures = [{k: g[k] for k in ("id", "person_id", "display_name", "kind", "reason", "cost", "currency", "status",
                                   "logged_by", "logged_at", "decided_by", "outcome")}
                for g in advocacy.given_between(conn, since, until, LISTED)]
    return {"advocate_people": people, "gestures": gestures}


def _ask_items(conn: Tx, asks: list[core.Ask], channel: str | None) -> list[dict[str, Any]]:
    by_id = {a.id: a for a in asks if channel is None or a.platform == channel}
    rows = health_store.messages_by_id(conn, list(by_id))
    for r in rows:
        a = by_id[r["id"]]
        minutes = a.minutes
        r.update(answered_at=iso(a.answered_at), answer_minutes=None if minutes is None else round(minutes),
                 resolved_publicly=a.resolved_publicly if a.is_complaint else None, counted_as=a.intent)
    return rows


def _advocate_item(a: Any, names: dict[int, str | None]) -> dict[str, Any]:
    """An advocate as the report lists them: name, acts in words and counts, the three latest pieces of evidence."""
    return {"person_id": a.person_id, "display_name": names.get(a.person_id), "acts": a.counts,
            "negative": a.negative, "reason": a.reason,
            "evidence": [{"message_id": e.message_id, "at": iso(e.at), "act": e.act.value, "why": e.why,
                          "text": e.text} for e in sorted(a.evidence, key=lambda e: e.at, reverse=True)[:3]]}


ADVOCATE_FIGURES = ("advocates", "advocates_gained", "advocates_lost")


def _advocate_people(conn: Tx, since: datetime, until: datetime, figure: str, limit: int) -> dict[str, Any]:
    """The people behind an advocates figure, each with their acts in the period they were found in."""
    ids = _advocate_groups(conn, since, until)[figure]
    window = (since - (until - since), since) if figure == "advocates_lost" else (since, until)
    acts = {a.person_id: a for a in advocacy.advocates(conn, *window)}
    names = health_store.people_names(conn, ids[:limit])
    items = [_advocate_item(acts[p], names) for p in ids[:limit]]
    return {"total": len(ids), "kind": "advocates", "acts_from": window[0].date().isoformat(),
            "acts_to": (window[1] - timedelta(days=1)).date().isoformat(), "items": items}


def evidence(store: Store, actor: Actor, figure: str, *, start: date | None = None, end: date | None = None,
             channel: str | None = None, limit: int = 500) -> dict[str, Any]:
    """What one figure of the period counted (see FIGURES and PEOPLE_FIGURES): its messages, newest first, or its
    people; at most `limit`."""
    require(actor, Role.AGENT)
    if figure not in FIGURES and figure not in PEOPLE_FIGURES:
        raise FieldError("figure", f"{figure!r} is not one of {', '.join([*FIGURES, *PEOPLE_FIGURES])}")
    with store.begin() as conn:
        since, until = period_of(conn, start, end)
        found: dict[str, Any] = {"figure": figure, "means": FIGURES.get(figure) or PEOPLE_FIGURES[figure],
                                 "from": since.date().isoformat(), "to": (until - timedelta(days=1)).date().isoformat(),
                                 "channel": channel}
        if figure in ADVOCATE_FIGURES:
            return {**found, **_advocate_people(conn, since, until, figure, limit)}
        if figure in PEOPLE_FIGURES:
            (changes,), _ = _stage_changes(conn, [since, until])
            group = core.stage_group(changes, figure)
            names = health_store.people_names(conn, [c.person for c in group])
            return {**found, "total": len(group), "kind": "people", "items": [
                {"person_id": c.person, "display_name": names.get(c.person), "stage_at_start": c.before,
                 "stage_at_end": c.after} for c in group[:limit]]}
        if figure in ("brand", "uplift"):
            if figure == "brand":
                ids = health_store.brand_message_ids(conn, since, until, channel)
            else:
                period = _period(conn, since, until)
                ids = [i for m in period.moods if m.paired for i, _ in (*m.before, *m.after)]
            rows = [r for r in health_store.messages_by_id(conn, ids) if channel is None or r["platform"] == channel]
        else:
            picks: dict[str, Callable[[core.Ask], bool]] = {
                "asks": lambda a: True,
                "answered": lambda a: a.answered_at is not None,
                "unanswered": lambda a: a.answered_at is None,
                "complaints": lambda a: a.is_complaint,
                "resolved": lambda a: a.resolved_publicly,
                "unresolved": lambda a: a.is_complaint and not a.resolved_publicly,
            }
            rows = _ask_items(conn, [a for a in _asks(conn, since, until) if picks[figure](a)], channel)
    rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
    return {**found, "total": len(rows), "kind": "messages",
            "items": [{**r, "created_at": iso(r["created_at"]), "is_brand": bool(r["is_brand"])} for r in rows[:limit]]}


def summary_line(f: dict[str, Any]) -> str:
    """The report in one line: 'Health, 2026-10-31 to 2026-11-29: 64% of 111 questions and complaints answered, ...'."""
    parts = [f"{shown(f['response_rate'], 'percent')} of {f['asks']} questions and complaints answered"]
    if f["first_response_minutes_p50"] is not None:
        parts.append(f"first answer in {shown(f['first_response_minutes_p50'], 'minutes')} (median)")
    if f["sentiment_uplift"] is not None:
        parts.append(f"sentiment {shown(f['sentiment_uplift'], 'signed')} after a reply")
    parts.append(f"{f['advocates']} advocate{'' if f['advocates'] == 1 else 's'}")
    if f["give_ratio"] is not None:
        parts.append(f"give ratio {shown(f['give_ratio'], 'percent')}")
    return f"Health, {f['from']} to {f['to']}: " + ", ".join(parts) + "."


def chart_svgs(figures: dict[str, Any]) -> dict[str, str]:
    """The report's charts as SVG text, by name (see `goodwill.metrics.charts`)."""
    from goodwill.metrics import charts  # matplotlib loads only when a report draws its charts

    return charts.all_charts(figures)


def table(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's rows as a reader sees them: label, this period, the period before, the change, the meaning, why n/a."""
    return report_table(figures)


def report_html(store: Store, actor: Actor, *, start: date | None = None, end: date | None = None) -> str:
    """One self-contained HTML page: the figures, their definitions and the charts inline as SVG."""
    return report_file(store, actor, start=start, end=end)[1]


def report_file(store: Store, actor: Actor, *, start: date | None = None, end: date | None = None) -> tuple[str, str]:
    """The HTML report and a file name for it, `health-FROM-TO.html`."""
    figures = report(store, actor, start=start, end=end)
    return f"health-{figures['from']}-{figures['to']}.html", render_html(figures, chart_svgs(figures))


# -- scheduled reports --------------------------------------------------------

SCHEDULE_ROLE = Role.MANAGER
EVERY = ("weekly",)


def _folder(out_dir: Path) -> str:
    path = out_dir.expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise FieldError("out_dir", f"{path} is a file, not a folder")
    return str(path)


def schedule(store: Store, actor: Actor, out_dir: Path, *, every: str = "weekly") -> dict[str, Any]:
    """Write a report every week into `out_dir` (managers and admins; `run_due` writes them)."""
    require(actor, SCHEDULE_ROLE)
    if every not in EVERY:
        raise FieldError("every", f"{every!r} is not one of {', '.join(EVERY)}")
    folder = _folder(out_dir)
    with store.begin() as conn:
        ident, new = health_store.save_schedule(conn, every, folder, actor.name, now())
        record(conn, actor, "report.schedule", f"report_schedule:{ident}", every=every, out_dir=folder, new=new)
    return {"id": ident, "every": every, "out_dir": folder, "new": new}


def unschedule(store: Store, actor: Actor, out_dir: Path) -> dict[str, Any]:
    require(actor, SCHEDULE_ROLE)
    folder = _folder(out_dir)
    with store.begin() as conn:
        if not health_store.remove_schedule(conn, folder):
            raise NotFoundError(f"no report is scheduled into {folder}")
        record(conn, actor, "report.unschedule", "report_schedule", out_dir=folder)
    return {"out_dir": folder, "removed": True}


def schedules(store: Store, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Role.AGENT)
    with store.begin() as conn:
        rows = health_store.schedules(conn)
    return [{**r, "created_at": iso(r["created_at"]), "last_run_at": iso(r["last_run_at"])} for r in rows]


def last_week(moment: datetime) -> tuple[date, date, str]:
    """The last whole ISO week (Monday to Sunday, UTC) before `moment`: first day, last day and its name (2026-W47)."""
    today = moment.astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday() + 7)
    year, week, _ = monday.isocalendar()
    return monday, monday + timedelta(days=6), f"{year}-W{week:02d}"


def run_due(store: Store, actor: Actor, *, at: datetime | None = None) -> list[dict[str, Any]]:
    """Write each scheduled report whose last whole week is not written yet (`health-2026-W47.html` in its folder).
    Idempotent: a week is written once, however often this runs; each report written is audited."""
    require(actor, Role.AGENT)
    moment = at or now()
    first, last, name = last_week(moment)
    done = []
    for s in schedules(store, actor):
        if s["last_period"] == name:
            continue
        folder = Path(s["out_dir"])
        target = folder / f"health-{name}.html"
        page = report_html(store, actor, start=first, end=last)
        with store.begin() as conn:
            if not health_store.claim_period(conn, s["id"], name, str(target), moment):
                continue
            folder.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            partial.write_text(page, encoding="utf-8")
            partial.replace(target)  # the report appears whole or not at all
            record(conn, actor, "report.run", f"report_schedule:{s['id']}", period=name, file=str(target))
        done.append({"schedule": s["id"], "period": name, "from": first.isoformat(), "to": last.isoformat(),
                     "file": str(target)})
    return done
