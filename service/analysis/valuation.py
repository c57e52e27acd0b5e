"""Risk-adjusted NPV: rNPV = sum_t CF_t * p_t / (1 + r)^t, with t = 0 the current year.

Costs are weighted by the probability of reaching the stage that incurs them, revenues (after the
operating margin) by the cumulative probability of approval (Stewart, Allison & Johnson, Nat
Biotechnol 19:813, 2001). Real amounts throughout: declared figures are taken as today's dollars
and the discount rates are real.

The rNPV is linear in the stage probabilities, so one cash-flow schedule gives the present value
of each stage's costs and of the sales, and any number of probability draws is one matrix
product: the Monte Carlo costs next to nothing.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from service.analysis.report import CashFlow, SensitivityRow

# Method choices, each stated in every report that values a project.
RAMP_YEARS = 5  # linear ramp to peak sales over the first five years on the market
YEARS_ON_MARKET = 10  # flat after the ramp until loss of exclusivity
OPERATING_MARGIN = 0.30
MARGIN_RANGE = (0.20, 0.40)
LOW_RATE = 0.08
TRIALS_PER_STAGE = {"Phase I": 1, "Phase II": 1, "Phase III": 2}
TRIAL_COST_MULTIPLES = (0.5, 2.0)
PEAK_SALES_RANGE = (0.5, 1.5)
LAUNCH_SHIFT_YEARS = 2

Vector = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Plan:
    """The inputs of one cash-flow schedule; scenarios are copies with one field changed."""

    stages: tuple[str, ...]
    stage_costs: tuple[float, ...]  # USD per stage, the whole stage (0 for filing)
    stage_years: tuple[float, ...]
    launch_t: int  # first year of sales, counted from now
    peak_sales: float
    margin: float
    rate: float
    current_year: int


@dataclass(frozen=True)
class Schedule:
    """Yearly amounts: costs per stage (stages x years) and sales after margin at years `t`."""

    costs: npt.NDArray[np.float64]
    sales_t: npt.NDArray[np.int64]
    sales: Vector

    def present_values(self, rate: float) -> tuple[Vector, float]:
        """The present value of each stage's costs and of the sales at a real rate."""
        factor = 1 / (1 + rate)
        cost_pv = self.costs @ factor ** np.arange(self.costs.shape[1], dtype=np.float64)
        return cost_pv, float(self.sales @ factor**self.sales_t)

    def launched(self, years: int) -> "Schedule":
        """The same costs with the sales `years` later (earlier if negative)."""
        t = self.sales_t + years
        keep = t >= 0
        return Schedule(costs=self.costs, sales_t=t[keep], sales=self.sales[keep])


_ON_MARKET = np.arange(YEARS_ON_MARKET)
_RAMP = np.minimum((_ON_MARKET + 1) / RAMP_YEARS, 1.0)


def schedule(plan: Plan) -> Schedule:
    """Spread each stage's cost evenly over its years (pro rata within a year) and lay out sales.

    Years of sales before t = 0 (a product launched in the past) are history and left out.
    """
    years = np.asarray(plan.stage_years, dtype=np.float64)
    ends = np.cumsum(years)
    starts = ends - years
    horizon = math.ceil(round(float(ends[-1]), 6)) if len(ends) else 0
    t = np.arange(horizon, dtype=np.float64)
    overlap = np.clip(
        np.minimum(ends[:, None], t[None, :] + 1) - np.maximum(starts[:, None], t[None, :]),
        0.0,
        None,
    )
    costs = np.asarray(plan.stage_costs, dtype=np.float64)[:, None] * overlap / years[:, None]
    sales = Schedule(costs=costs, sales_t=_ON_MARKET, sales=plan.peak_sales * plan.margin * _RAMP)
    return sales.launched(plan.launch_t)


def rnpv(
    sched: Schedule, rate: float, survival: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """rNPV for each row of `survival` (probability of reaching each stage, then approval)."""
    stage_pv, sales_pv = sched.present_values(rate)
    return _weighted(stage_pv, sales_pv, survival)


def _weighted(
    stage_pv: Vector, sales_pv: float, survival: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    return -(survival[..., :-1] @ stage_pv) + survival[..., -1] * sales_pv


def cash_flows(plan: Plan, sched: Schedule, survival: Vector) -> list[CashFlow]:
    """The point-estimate cash flows, each with the probability that weights it."""
    flows = []
    for s, name in enumerate(plan.stages):
        for t in np.flatnonzero(sched.costs[s] > 1e-6):  # float noise at year boundaries
            flows.append(
                CashFlow(
                    t=int(t),
                    year=plan.current_year + int(t),
                    item=f"{name} trials",
                    amount=-float(sched.costs[s, t]),
                    probability=float(survival[s]),
                )
            )
    for t, amount in zip(sched.sales_t, sched.sales, strict=True):
        flows.append(
            CashFlow(
                t=int(t),
                year=plan.current_year + int(t),
                item="sales after operating margin",
                amount=float(amount),
                probability=float(survival[-1]),
            )
        )
    return sorted(flows, key=lambda f: (f.t, f.amount))


def sensitivity(
    plan: Plan,
    sched: Schedule,
    survival: Vector,
    ptrs_interval: tuple[float, float] | None,
    high_rate: float,
) -> list[SensitivityRow]:
    """The tornado: the base rNPV with one input at each end of its range, widest swing first.

    Sales are linear in peak sales and margin and costs in the trial-cost multiple, so only the
    discount rate and the launch shift need present values of their own.
    """
    stage_pv, sales_pv = sched.present_values(plan.rate)

    def value(
        *,
        costs: float = 1.0,
        sales: float = 1.0,
        ptrs: float | None = None,
        pv: tuple[Vector, float] | None = None,
    ) -> float:
        weights = survival
        if ptrs is not None:
            weights = survival.copy()
            weights[-1] = ptrs
        stages, revenue = pv if pv is not None else (stage_pv, sales_pv)
        return float(_weighted(stages * costs, revenue * sales, weights))

    def shifted(years: int) -> tuple[Vector, float]:
        return stage_pv, sched.launched(years).present_values(plan.rate)[1]

    rows: list[tuple[str, str, str, float, float]] = []
    if ptrs_interval is not None:
        low, high = ptrs_interval
        rows.append(
            (
                "PTRS (sales weight) at its credible-interval ends",
                f"{low:.1%}",
                f"{high:.1%}",
                value(ptrs=low),
                value(ptrs=high),
            )
        )
    lo, hi = PEAK_SALES_RANGE
    rows.append(("peak sales", f"x{lo:g}", f"x{hi:g}", value(sales=lo), value(sales=hi)))
    shift = LAUNCH_SHIFT_YEARS
    rows.append(
        (
            "launch year (sales only)",
            f"{shift} years earlier",
            f"{shift} years later",
            value(pv=shifted(-shift)),
            value(pv=shifted(shift)),
        )
    )
    rows.append(
        (
            "discount rate",
            f"{LOW_RATE:.1%}",
            f"{high_rate:.1%}",
            value(pv=sched.present_values(LOW_RATE)),
            value(pv=sched.present_values(high_rate)),
        )
    )
    lo, hi = MARGIN_RANGE
    rows.append(
        (
            "operating margin",
            f"{lo:.0%}",
            f"{hi:.0%}",
            value(sales=lo / plan.margin),
            value(sales=hi / plan.margin),
        )
    )
    if any(plan.stage_costs):
        lo, hi = TRIAL_COST_MULTIPLES
        rows.append(("trial costs", f"x{lo:g}", f"x{hi:g}", value(costs=lo), value(costs=hi)))
    table = [
        SensitivityRow(
            driver=driver,
            low_setting=low_setting,
            high_setting=high_setting,
            rnpv_at_low=at_low,
            rnpv_at_high=at_high,
            swing=abs(at_high - at_low),
        )
        for driver, low_setting, high_setting, at_low, at_high in rows
    ]
    return sorted(table, key=lambda r: r.swing, reverse=True)
