"""The weekly chart captains get with /stats: a small PNG, rendered off the event loop."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

import matplotlib

matplotlib.use("Agg")  # no display: render to bytes only

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.core.stats import WeeklySeries

_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "SimHei", "PingFang SC")


@dataclass(frozen=True)
class ChartLabels:
    title: str
    offers: str
    requests: str
    handovers: str


@cache
def cjk_font() -> str | None:
    """A font that can draw Chinese labels, if the machine has one."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in installed), None)


def render_weekly_chart(series: WeeklySeries, labels: ChartLabels) -> bytes:
    """Grouped bars per week as PNG bytes (blocking: call through asyncio.to_thread)."""
    # A Figure without pyplot keeps no global state, so concurrent renders are safe.
    figure = Figure(figsize=(6.4, 3.2), dpi=100)
    axes = figure.add_subplot()
    font = cjk_font()
    x = list(range(len(series.week_starts)))
    width = 0.27
    axes.bar([i - width for i in x], series.offers, width, label=labels.offers, color="#4c9f70")
    axes.bar(x, series.requests, width, label=labels.requests, color="#e0a458")
    axes.bar(
        [i + width for i in x], series.handovers, width, label=labels.handovers, color="#3d5a80"
    )
    axes.set_xticks(x, [d.strftime("%m-%d") for d in series.week_starts], fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(labels.title, fontsize=10, fontfamily=font or "sans-serif")
    axes.legend(frameon=False, prop={"family": font, "size": 8} if font else {"size": 8})
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def can_draw_chinese() -> bool:
    return cjk_font() is not None
