"""Charts drawn on the server with matplotlib, as inline SVG: they show without JavaScript,
scale on a phone, and the same figure goes into a page or a PDF.

Each chart module builds a `Figure` and hands it to `to_svg`; none keeps pyplot state, so
requests on several threads never draw into each other's figure.
"""

import io

import matplotlib
from markupsafe import Markup, escape

# No display here: the non-interactive backend, chosen before anything imports pyplot.
matplotlib.use("Agg")

from matplotlib.figure import Figure

# Fonts that cover Latin, Cyrillic and CJK labels (fonts-noto-cjk is installed beside the
# browser); matplotlib falls back along the list glyph by glyph.
FONTS = ["DejaVu Sans", "Noto Sans CJK SC", "Noto Sans CJK JP"]


def figure(width: float = 6.0, height: float = 3.0) -> Figure:
    """A new figure in the house style (inches at 96 dpi; the SVG scales to its container)."""
    made = Figure(figsize=(width, height), dpi=96, layout="constrained")
    made.set_facecolor("white")
    return made


def to_svg(made: Figure, title: str) -> Markup:
    """The figure as an inline `<svg>` element with an accessible name (`role="img"`)."""
    with matplotlib.rc_context({"font.family": FONTS, "svg.fonttype": "none"}):
        buffer = io.StringIO()
        made.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    start = svg.index("<svg")
    # Drop the XML prolog and DOCTYPE so the element can sit inside HTML.
    element = svg[start:]
    return Markup(element.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1))
