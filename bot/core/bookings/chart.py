"""The monthly booking chart: hours used per resource, a small PNG rendered off the loop."""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from bot.core.bookings.rules import Usage
from bot.core.stats_chart import cjk_font


def render_usage_chart(usages: list[Usage], names: dict[str, str], title: str) -> bytes:
    """Horizontal bars of hours per resource as PNG bytes (blocking: asyncio.to_thread)."""
    figure = Figure(figsize=(6.4, 0.6 + 0.45 * max(len(usages), 1)), dpi=100)
    axes = figure.add_subplot()
    font = cjk_font() or "sans-serif"
    labels = [names.get(u.resource, u.resource) for u in usages]
    hours = [u.hours for u in usages]
    axes.barh(range(len(usages)), hours, color="#3d5a80")
    axes.set_yticks(range(len(usages)), labels, fontsize=8, fontfamily=font)
    axes.invert_yaxis()
    for i, value in enumerate(hours):
        axes.text(value, i, f" {value:g} h", va="center", fontsize=8)
    axes.set_title(title, fontsize=10, fontfamily=font)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
