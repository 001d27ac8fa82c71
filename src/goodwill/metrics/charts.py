"""The health report's charts as SVG text, drawn with matplotlib's Agg backend (no display, no files).

Few clear marks: bars and one line, labelled axes, this period beside the one
before. The SVG keeps its text as text (searchable, printable) and carries no
date or random ids, so the same figures give the same bytes.
"""

from __future__ import annotations

import io
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

NOW, BEFORE = "#2a6f97", "#b8c4cc"
plt.rcParams.update({
    "svg.fonttype": "none", "svg.hashsalt": "goodwill-health", "font.size": 9, "axes.spines.top": False,
    "axes.spines.right": False, "figure.dpi": 100,
})


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # the inline element, without the XML prolog and doctype
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)  # no RDF block naming outside vocabularies


def _bars(title: str, labels: list[str], now: list[float | None], before: list[float | None], ylabel: str,
          *, percent: bool = False) -> str:
    fig, ax = plt.subplots(figsize=(6, 2.6))
    xs = range(len(labels))
    width = 0.38
    for offset, values, colour, name in ((-width / 2, before, BEFORE, "period before"), (width / 2, now, NOW, "this period")):
        heights = [0.0 if v is None else (v * 100 if percent else v) for v in values]
        bars = ax.bar([x + offset for x in xs], heights, width, color=colour, label=name)
        for bar, v in zip(bars, values, strict=True):
            text = "n/a" if v is None else (f"{v:.0%}" if percent else f"{v:,.0f}")
            ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left")
    if percent:
        ax.set_ylim(0, 110)
    ax.legend(frameon=False, fontsize=8, loc="upper right", bbox_to_anchor=(1, 1.22), ncols=2)
    return _svg(fig)


def daily(figures: dict[str, Any]) -> str:
    """Asks per day as bars, with the answered ones drawn over them."""
    rows = figures["days"]
    fig, ax = plt.subplots(figsize=(6, 2.6))
    xs = range(len(rows))
    ax.bar(xs, [r["asks"] for r in rows], color=BEFORE, label="asks")
    ax.bar(xs, [r["answered"] for r in rows], color=NOW, label="answered", width=0.5)
    step = max(1, len(rows) // 6)
    ax.set_xticks(list(xs)[::step], [r["day"][5:] for r in rows][::step])
    ax.set_xlabel("day (UTC, month-day)")
    ax.set_ylabel("messages")
    ax.set_title("Questions and complaints per day, and how many the brand answered", loc="left")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=8, loc="upper right", bbox_to_anchor=(1, 1.22), ncols=2)
    return _svg(fig)


def response_by_channel(figures: dict[str, Any]) -> str:
    channels = sorted(set(figures["channels"]) | set(figures["previous"]["channels"])) or ["(none)"]
    now = [figures["channels"].get(c, {}).get("response_rate") for c in channels]
    before = [figures["previous"]["channels"].get(c, {}).get("response_rate") for c in channels]
    return _bars("Response rate by channel", ["all", *channels], [figures["response_rate"], *now],
                 [figures["previous"]["response_rate"], *before], "answered (%)", percent=True)


def first_response(figures: dict[str, Any]) -> str:
    keys = ("first_response_minutes_p50", "first_response_minutes_p90")
    return _bars("Minutes to the brand's first answer", ["median (p50)", "9 in 10 within (p90)"],
                 [figures[k] for k in keys], [figures["previous"][k] for k in keys], "minutes")


def uplift(figures: dict[str, Any]) -> str:
    """The sentiment uplift of this period and the one before, each with its 95% interval as an error bar."""
    fig, ax = plt.subplots(figsize=(6, 2.4))
    rows = [("period before", figures["previous"], BEFORE), ("this period", figures, NOW)]
    for y, (name, figs, colour) in enumerate(rows):
        value, ci = figs["sentiment_uplift"], figs["sentiment_uplift_ci"]
        if value is None:
            ax.annotate(f"{name}: no one to compare", (0, y), ha="center", va="center", fontsize=8)
            continue
        err = None if ci is None else [[value - ci[0]], [ci[1] - value]]
        ax.barh(y, value, color=colour, xerr=err, capsize=4, height=0.5)
        ax.annotate(f"{value:+.2f} ({figs['uplift_people']} people)", (value, y), xytext=(4, 8),
                    textcoords="offset points", fontsize=8)
    ax.axvline(0, color="#444", linewidth=0.8)
    ax.set_yticks([0, 1], [r[0] for r in rows])
    ax.set_xlim(-1, 1)
    ax.set_xlabel("sentiment after the brand's first reply minus before, with 95% interval")
    ax.set_title("Did replying make people happier?", loc="left")
    return _svg(fig)


def all_charts(figures: dict[str, Any]) -> dict[str, str]:
    """Every chart of a report (`goodwill.service.health.report`'s dict), by name."""
    return {"daily": daily(figures), "channels": response_by_channel(figures), "first_response": first_response(figures),
            "uplift": uplift(figures)}
