"""The prospect report's pictures: the PTRS path, the rNPV range and the sensitivity tornado.

Drawn from the stored report (method 2) in the reader's language, for the reviewer's page and
the committee dossier alike. Each bar carries an SVG id (`ptrs-stage-N`, `rnpv-...`,
`tornado-low-N`, `tornado-high-N`) so that a test, or a screen reader's outline, can find it.
Method-1 reports have no path, range or tornado: they get no pictures.
"""

import textwrap
from dataclasses import dataclass
from itertools import accumulate

from babel import Locale
from babel.numbers import format_compact_currency, format_percent
from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from service.analysis.report import ProspectReport, SuccessProbability, Valuation
from service.analysis.wording import sensitivity_driver, sensitivity_setting
from service.charts import figure, to_svg
from service.i18n import N_, translations

ACCENT = "#0b5cad"  # the pages' --accent
CONTRAST = "#b3261e"  # the pages' --danger: the downside of the tornado
MUTED = "#4a5560"

# The report names stages and drivers in English (its API is read by programs); these are the
# words a reader sees for them.
STAGES = {
    "Phase I": N_("Phase I"),
    "Phase II": N_("Phase II"),
    "Phase III": N_("Phase III"),
    "filing": N_("Filing"),
}
APPROVAL = N_("Approval")


@dataclass(frozen=True)
class AnalysisCharts:
    """The pictures of one report; a picture the report has no figures for is None."""

    ptrs_path: Markup | None
    rnpv_range: Markup | None
    tornado: Markup | None


class _Words:
    """Translated words and locale formats for one reader."""

    def __init__(self, language: str) -> None:
        self.gettext = translations(language).gettext
        self.locale = Locale.parse(language)

    def __call__(self, message: str) -> str:
        return self.gettext(message)

    def percent(self, value: float) -> str:
        return format_percent(value, "#,##0.0%", locale=self.locale)

    def money(self, value: float) -> str:
        return format_compact_currency(value, "USD", locale=self.locale, fraction_digits=1)

    def setting(self, text: str) -> str:
        return sensitivity_setting(text, self.gettext)


def analysis_charts(report: object, language: str) -> AnalysisCharts | None:
    """The pictures of a stored report, or None when it has none (method 1, devices)."""
    if not isinstance(report, ProspectReport):
        return None
    words = _Words(language)
    probability = report.success_probability
    valuation = report.valuation
    charts = AnalysisCharts(
        ptrs_path=ptrs_path(probability, words) if probability else None,
        rnpv_range=rnpv_range(valuation, words) if valuation else None,
        tornado=tornado(valuation, words) if valuation and valuation.sensitivity else None,
    )
    if charts == AnalysisCharts(None, None, None):
        return None
    return charts


def _plain(axes: Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=MUTED, labelsize=9)


def _money_axis(axes: Axes, words: _Words) -> None:
    # Compact amounts are long in some languages ("15 млн $"): a few ticks keep them apart.
    axes.xaxis.set_major_locator(MaxNLocator(4))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: words.money(v)))


def ptrs_path(probability: SuccessProbability, words: _Words) -> Markup:
    """The cumulative probability of reaching each phase from today's, then approval.

    The first bar is the current phase (certain); each next bar multiplies in the published
    transition out of the phase before it; the last is the PTRS, with its credible interval.
    """
    steps = probability.chosen.transitions
    names = [words(STAGES.get(s.stage, s.stage)) for s in steps] + [words(APPROVAL)]
    # Five bars share 6 inches: a long name ("Подача на регистрацию") goes on two lines.
    names = [textwrap.fill(name, 12) for name in names]
    reached = [1.0, *accumulate((s.rate for s in steps), lambda a, b: a * b)]
    made = figure(6.0, 3.0)
    axes = made.add_subplot()
    bars = axes.bar(names, reached, color=ACCENT, width=0.6)
    for index, bar in enumerate(bars):
        bar.set_gid(f"stage-{index}")
    if probability.interval is not None:
        low, high = probability.interval.low, probability.interval.high
        whiskers = axes.errorbar(
            [len(names) - 1],
            [reached[-1]],
            yerr=[[reached[-1] - low], [high - reached[-1]]],
            fmt="none",
            ecolor=MUTED,
            capsize=4,
        )
        for line in whiskers.lines[2]:
            line.set_gid("interval")
    axes.bar_label(bars, labels=[words.percent(v) for v in reached], fontsize=9, padding=2)
    axes.set_ylim(0, 1.12)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_ylabel(words(N_("Probability of reaching it")), fontsize=9)
    _plain(axes)
    return to_svg(made, words(N_("Probability of reaching each phase")), "ptrs")


def rnpv_range(valuation: Valuation, words: _Words) -> Markup:
    """The rNPV's Monte Carlo range (P10, median, P90) beside the base case.

    The report keeps the percentiles, not the draws: three bars for the range and one for the
    base case (and one for the benchmark timeline when the declared launch year was used).
    """
    mc = valuation.monte_carlo
    rows = [
        ("p10", words(N_("Low (P10)")), mc.p10, ACCENT),
        ("p50", words(N_("Median (P50)")), mc.p50, ACCENT),
        ("p90", words(N_("High (P90)")), mc.p90, ACCENT),
        ("base", words(N_("Base case")), valuation.base_rnpv, MUTED),
    ]
    if valuation.benchmark_timeline_rnpv is not None:
        rows.append(
            (
                "benchmark",
                words(N_("On the benchmark timeline")),
                valuation.benchmark_timeline_rnpv,
                MUTED,
            )
        )
    made = figure(6.0, 0.45 * len(rows) + 1.1)
    axes = made.add_subplot()
    # The first row on top.
    positions = list(range(len(rows)))[::-1]
    bars = axes.barh(positions, [r[2] for r in rows], color=[r[3] for r in rows], height=0.6)
    for (gid, *_), bar in zip(rows, bars, strict=True):
        bar.set_gid(gid)
    axes.set_yticks(positions, [r[1] for r in rows])
    axes.bar_label(bars, labels=[words.money(r[2]) for r in rows], fontsize=9, padding=3)
    axes.axvline(0, color=MUTED, linewidth=0.8)
    _money_axis(axes, words)
    axes.margins(x=0.2)
    _plain(axes)
    return to_svg(made, words(N_("Risk-adjusted net present value: the range")), "rnpv")


def tornado(valuation: Valuation, words: _Words) -> Markup:
    """The sensitivity table as a tornado: each input moved to its low and high end, the
    widest swing on top, bars drawn from the base rNPV."""
    rows = valuation.sensitivity
    base = valuation.base_rnpv
    made = figure(6.0, 0.5 * len(rows) + 1.4)
    axes = made.add_subplot()
    positions = list(range(len(rows)))[::-1]
    low_label = words(N_("Input at its low end"))
    high_label = words(N_("Input at its high end"))
    for index, (row, y) in enumerate(zip(rows, positions, strict=True)):
        for end, value, setting, colour, legend in (
            ("low", row.rnpv_at_low, row.low_setting, CONTRAST, low_label),
            ("high", row.rnpv_at_high, row.high_setting, ACCENT, high_label),
        ):
            bar = axes.barh(
                y, value - base, left=base, color=colour, height=0.6,
                label=legend if index == 0 else None,
            )  # fmt: skip
            bar.patches[0].set_gid(f"{end}-{index}")
            # The setting sits at the bar's outer end, on the side the bar points to.
            axes.annotate(
                words.setting(setting),
                (value, y),
                xytext=(4 if value >= base else -4, 0),
                textcoords="offset points",
                ha="left" if value >= base else "right",
                va="center",
                fontsize=8,
                color=MUTED,
            )
    axes.axvline(base, color="#1b1f24", linewidth=1)
    axes.set_yticks(positions, [sensitivity_driver(r.driver, words.gettext) for r in rows])
    _money_axis(axes, words)
    axes.set_xlabel(
        words(N_("rNPV; the line is the base case, %(value)s")) % {"value": words.money(base)},
        fontsize=9,
    )
    axes.margins(x=0.35)
    made.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    _plain(axes)
    return to_svg(made, words(N_("What moves the rNPV most")), "tornado")
