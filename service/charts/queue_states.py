"""The queue page's picture: how many proposals wait in each working state, and how many of
them are past the state's time limit or stalled."""

import functools

from markupsafe import Markup
from matplotlib.ticker import MaxNLocator

from service.charts import figure, to_svg

# Colours of the house style that keep their contrast on white (WCAG AA for the text).
ON_TIME = "#0b5cad"
LATE = "#8a4b00"
STALLED = "#b3261e"


@functools.lru_cache(maxsize=64)
def waiting_by_state(
    rows: tuple[tuple[str, int, int, int], ...], words: tuple[str, str, str, str]
) -> Markup:
    """Horizontal bars, one per state: (label, count, past the limit, stalled) each.

    `words` are the title and the legend's three names in the reader's language. Cached: the
    queue page polls every few seconds, and the figures rarely change between two polls.
    """
    title, on_time, late, stalled = words
    made = figure(6.0, 0.45 * len(rows) + 0.9)
    axes = made.add_subplot()
    labels = [row[0] for row in rows]
    positions = range(len(rows))
    punctual = [max(count - past, 0) for _, count, past, _ in rows]
    overdue = [min(past, count) for _, count, past, _ in rows]
    axes.barh(positions, punctual, color=ON_TIME, label=on_time)
    axes.barh(positions, overdue, left=punctual, color=LATE, label=late)
    for y, (_, count, _, stuck) in enumerate(rows):
        if stuck:
            axes.annotate(
                f"{stalled}: {stuck}",
                (count, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                color=STALLED,
                fontweight="bold",
            )
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # proposals come whole
    axes.set_xlim(0, max([count for _, count, _, _ in rows] + [1]) * 1.25)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="lower right", frameon=False, fontsize="small")
    return to_svg(made, title, "queue")
