"""The statistics page's charts: bars for throughput, stage times, acceptance and bands.

Every text arrives translated and every number formatted by the caller (the page knows the
reader's language); this module only draws. Each bar carries an id,
`<name>-bar-<series>-<category>`, so the SVG says which bar is which (tests measure them).
"""

import re
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
    return _named(to_svg(made, title), name)


_STYLE = re.compile(r'style="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.S)


def _attributes(found: re.Match[str]) -> str:
    pairs = (part.split(":", 1) for part in found.group(1).split(";") if ":" in part)
    return " ".join(f'{key.strip()}="{value.strip()}"' for key, value in pairs)


def _named(svg: Markup, name: str) -> Markup:
    """The SVG as the pages' Content-Security-Policy lets it show, its ids unique on a page.

    The policy (`style-src 'self'`) drops inline `style` attributes and `<style>` elements,
    which matplotlib writes for every colour and line: they become SVG presentation
    attributes (fill, stroke, font-size...), which no policy blocks. Every id (matplotlib
    numbers them from 1 in each figure) is prefixed with `name`, so charts never share one.
    """
    text = _STYLE.sub(_attributes, _STYLE_ELEMENT.sub("", str(svg)))
    for before, after in (
        ('id="', f'id="{name}-'),
        ("url(#", f"url(#{name}-"),
        ('href="#', f'href="#{name}-'),
    ):
        text = text.replace(before, after)
    # matplotlib escapes the texts it writes; to_svg escaped the title.
    return Markup(text)
