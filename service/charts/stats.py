"""The statistics page's charts: bars for throughput, stage times, acceptance and bands.

Every text arrives translated and every number formatted by the caller (the page knows the
reader's language); this module only draws. Each bar carries an id,
`<name>-bar-<series>-<category>`, so the SVG says which bar is which (tests measure them).
"""

from collections.abc import Callable, Sequence

from markupsafe import Markup
from matplotlib.ticker import FuncFormatter, MaxNLocator

from service.charts import figure, to_svg

# Okabe-Ito colours: told apart with every common colour-vision deficiency.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"]


def bars(
    name: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    value_label: str,
    horizontal: bool,
    tick: Callable[[float], str] | None = None,
    limit: float | None = None,
    counts: bool = False,
) -> Markup:
    """Grouped bars, one group per category, one bar per series; `tick` writes the value
    axis's numbers, `limit` fixes its end (1.0 for rates), `counts` keeps its ticks whole."""
    count = len(categories)
    height = max(2.4, 0.45 * count * max(1, len(series)) + 1.2) if horizontal else 3.2
    made = figure(6.4, height)
    axes = made.add_subplot()
    thickness = 0.8 / len(series)
    for s, (series_name, values) in enumerate(series):
        offsets = [i - 0.4 + thickness * (s + 0.5) for i in range(count)]
        colour = COLOURS[s % len(COLOURS)]
        drawn = (
            axes.barh(offsets, values, height=thickness, label=series_name, color=colour)
            if horizontal
            else axes.bar(offsets, values, width=thickness, label=series_name, color=colour)
        )
        for c, patch in enumerate(drawn.patches):
            patch.set_gid(f"bar-{s}-{c}")
    positions = list(range(count))
    value_axis = axes.xaxis if horizontal else axes.yaxis
    if horizontal:
        axes.set_yticks(positions, list(categories))
        axes.invert_yaxis()  # the first category on top, as the table beside it reads
        axes.set_xlabel(value_label)
        if limit is not None:
            axes.set_xlim(0, limit)
    else:
        # Many weeks: label every few so the dates never overlap.
        step = max(1, -(-count // 6))
        axes.set_xticks(positions[::step], list(categories)[::step])
        axes.set_ylabel(value_label)
        if limit is not None:
            axes.set_ylim(0, limit)
    if counts:
        value_axis.set_major_locator(MaxNLocator(integer=True))
    if tick is not None:
        value_axis.set_major_formatter(FuncFormatter(lambda value, _: tick(value)))
    axes.set_title(title, loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    value_axis.grid(True, color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=9)
    return to_svg(made, title, name)
