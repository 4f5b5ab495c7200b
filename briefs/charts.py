"""Draw the /trends chart: items per day for the most covered countries, as PNG bytes.

Pure: plain data in, bytes out. Uses matplotlib's Agg backend through the object API
(no pyplot global state), so charts can be drawn from worker threads.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_TICKS = 10


def trends_png(
    days: Sequence[date],
    series: Mapping[str, Mapping[date, int]],
    title: str = "Most covered countries",
    dpi: int = 100,
) -> bytes:
    """Return a PNG line chart of items per day, one line per labelled series."""
    figure = Figure(figsize=(8, 4.5), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for label, counts in series.items():
        axes.plot(list(days), [counts.get(day, 0) for day in days], marker="o", label=label)
    _decorate(axes, days, title, has_data=bool(series))
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _decorate(axes, days: Sequence[date], title: str, has_data: bool) -> None:
    axes.set_title(title)
    axes.set_ylabel("items")
    axes.set_ylim(bottom=0)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.grid(True, alpha=0.3)
    if days:
        step = max(1, -(-len(days) // MAX_TICKS))  # ceiling division keeps labels readable
        ticks = list(days)[::step]
        axes.set_xticks(ticks, [f"{d.day} {d:%b}" for d in ticks])
    if has_data:
        axes.legend(loc="upper left", fontsize="small")
    else:
        axes.text(0.5, 0.5, "no items in this period", transform=axes.transAxes,
                  ha="center", va="center")
