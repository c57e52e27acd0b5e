"""Charts drawn on the server with matplotlib, as inline SVG: they show without JavaScript,
scale on a phone, and the same figure goes into a page or a PDF.

Each chart module builds a `Figure` and hands it to `to_svg`; none keeps pyplot state, so
requests on several threads never draw into each other's figure.
"""

import io
import re

import matplotlib
from markupsafe import Markup, escape

# No display here: the non-interactive backend, chosen before anything imports pyplot.
matplotlib.use("Agg")

from matplotlib.figure import Figure

# Fonts that cover Latin, Cyrillic and CJK labels (fonts-noto-cjk is installed beside the
# browser); matplotlib falls back along the list glyph by glyph. Set once for the process: a
# text takes its font when it is made, before any figure is saved.
matplotlib.rcParams.update(
    {"font.family": ["DejaVu Sans", "Noto Sans CJK SC"], "svg.fonttype": "none"}
)


def figure(width: float = 6.0, height: float = 3.0) -> Figure:
    """A new figure in the house style (inches at 96 dpi; the SVG scales to its container)."""
    made = Figure(figsize=(width, height), dpi=96, layout="constrained")
    made.set_facecolor("white")
    return made


def to_svg(made: Figure, title: str, name: str) -> Markup:
    """The figure as an inline `<svg>` element with an accessible name (`role="img"`), shown
    as a page with a strict Content-Security-Policy can show it, beside other charts.

    The pages forbid inline CSS (`style-src 'self'`), which would leave every shape black: each
    `style` declaration becomes the SVG presentation attribute of the same name (matplotlib
    writes only fill, stroke, font and text-anchor properties, all of which have one). And
    matplotlib numbers its ids per figure: every id, and every reference to one, gets `name`.
    """
    buffer = io.StringIO()
    made.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    # Drop the XML prolog and DOCTYPE so the element can sit inside HTML.
    text = svg[svg.index("<svg") :].replace(
        "<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1
    )
    text = _STYLE.sub(_attributes, _STYLE_SHEET.sub("", text))
    # The dropped sheet's one rule (`* {stroke-linejoin: round; stroke-linecap: butt}`),
    # inherited from the root instead.
    text = text.replace("<svg ", '<svg stroke-linejoin="round" stroke-linecap="butt" ', 1)
    text = _ID.sub(rf'\1="{name}-\2"', text)
    text = _REFERENCE.sub(rf"\1#{name}-\2", text)
    # Still matplotlib's own SVG, every label escaped by it: only attributes were rewritten.
    return Markup(text)


_STYLE_SHEET = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)
_STYLE = re.compile(r'style="([^"]*)"')
_ID = re.compile(r'\b(id)="([^"]+)"')
_REFERENCE = re.compile(r'(url\(|href=")#([^)"]+)')


def _attributes(found: re.Match[str]) -> str:
    pairs = (d.split(":", 1) for d in found.group(1).split(";") if ":" in d)
    return " ".join(f'{k.strip()}="{escape(v.strip())}"' for k, v in pairs)
