"""The health report as one self-contained HTML page: figures, their meaning, charts inline as SVG.

No external file: styles in the page, charts as `<svg>` elements, no script.
Everything from the workspace is escaped by Jinja2's autoescaping; the SVG
charts are our own markup (matplotlib escapes the text inside them).
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

#: The rows of the report's table: key, label, how it reads, and what it means.
ROWS = (
    ("response_rate", "Response rate", "percent",
     "share of customers' questions and complaints (and messages needing a response) the brand answered in their thread"),
    ("first_response_minutes_p50", "First answer, median", "minutes", "half of the answered asks got their first answer within this"),
    ("first_response_minutes_p90", "First answer, 90th percentile", "minutes", "nine in ten answered asks got their first answer within this"),
    ("resolved_publicly_rate", "Complaints resolved in public", "percent",
     "complaints answered in their public thread where the customer did not come back negative afterwards"),
    ("sentiment_uplift", "Sentiment after a reply minus before", "signed",
     "per person replied to: mean sentiment of their messages in the 30 days after the brand's first reply minus the 30 days before, averaged"),
    ("advocates", "Advocates", "count", "people who acted as advocates in the period: recommended, defended or praised the brand, or answered other customers, at least twice and more often than they were negative (the advocates page's finder)"),
    ("advocates_gained", "Advocates gained", "count", "advocates of the period who were not advocates in the period before"),
    ("advocates_lost", "Advocates lost", "count", "advocates of the period before who were not advocates in this one"),
    ("detractors_turned_around", "Detractors turned around", "count", "detractors at the start who were engaged or advocates at the end"),
    ("give_ratio", "Give ratio", "percent", "share of the brand's posts and replies that give rather than take"),
    ("asks", "Questions and complaints", "count", "customers' messages asking for an answer"),
    ("brand_messages", "Brand messages", "count", "messages the brand wrote in the period"),
)

_env = Environment(loader=PackageLoader("goodwill.metrics", "templates"), autoescape=select_autoescape(["html"]))


#: How a figure reads (kind -> format) and how its change from the period before reads.
_FORMATS = {"percent": ("{:.0%}", "{:+.0f} points", 100), "minutes": ("{:,.0f} min", "{:+,.0f} min", 1),
            "signed": ("{:+.2f}", "{:+.2f}", 1), "count": ("{:,}", "{:+,.0f}", 1)}


def shown(value: Any, kind: str) -> str:
    """A figure as a reader sees it: 83%, 42 min, +0.31, 7; "n/a" when undefined."""
    return "n/a" if value is None else _FORMATS[kind][0].format(value)


def shown_change(value: Any, kind: str) -> str:
    """A change from the period before: +5 points, -12 min, +0.10, +2; empty when undefined."""
    _, text, scale = _FORMATS[kind]
    return "" if value is None else text.format(value * scale)


def table(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's rows: label, this period, the period before, the change, the meaning and why a figure is missing."""
    notes = figures.get("notes", {})
    return [{"key": key, "label": label, "now": shown(figures[key], kind), "before": shown(figures["previous"][key], kind),
             "change": shown_change(figures["change"].get(key), kind), "means": means, "note": notes.get(key)}
            for key, label, kind, means in ROWS]


def render_html(figures: dict[str, Any], svgs: dict[str, str]) -> str:
    """The whole page for a report dict and its charts."""
    return _env.get_template("report.html").render(
        f=figures, rows=table(figures), charts={k: Markup(v) for k, v in svgs.items()}, shown=shown)
