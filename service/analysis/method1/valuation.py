"""Risk-adjusted NPV: rNPV = sum_t CF_t * p_t / (1 + r)^t, with t = 0 the current year.

Costs are weighted by the probability of reaching the stage that incurs them, revenues by the
cumulative probability of approval (Stewart, Allison & Johnson, Nat Biotechnol 19:813, 2001).
"""

import math
from dataclasses import dataclass

from service.analysis.method1.report import CashFlow

# Revenue model, stated in every report that values a project.
RAMP_YEARS = 5  # linear ramp to peak sales over the first five years on the market
YEARS_ON_MARKET = 10  # flat after the ramp until loss of exclusivity


@dataclass(frozen=True)
class StageCost:
    """A development cost spread evenly over a stage that starts `start` years from now."""

    item: str
    cost: float  # USD
    start: float
    years: float
    probability: float  # of reaching the stage


def cost_cash_flows(stage: StageCost, current_year: int) -> list[CashFlow]:
    """Split a stage's cost into whole-year cash flows, pro rata to the time spent in each year."""
    end = stage.start + stage.years
    flows = []
    for t in range(math.floor(stage.start), math.ceil(end)):
        overlap = min(end, t + 1) - max(stage.start, t)
        if overlap > 1e-9:  # float noise at year boundaries
            flows.append(
                CashFlow(
                    t=t,
                    year=current_year + t,
                    item=stage.item,
                    amount=-stage.cost * overlap / stage.years,
                    probability=stage.probability,
                )
            )
    return flows


def revenue_cash_flows(
    peak_sales: float, launch_t: int, probability: float, current_year: int
) -> list[CashFlow]:
    """Net sales from launch: linear ramp to peak over RAMP_YEARS, flat to YEARS_ON_MARKET.

    Years before t = 0 (a product launched in the past) are history and are left out.
    """
    flows = []
    for k in range(YEARS_ON_MARKET):
        t = launch_t + k
        if t >= 0:
            flows.append(
                CashFlow(
                    t=t,
                    year=current_year + t,
                    item="net sales",
                    amount=peak_sales * min((k + 1) / RAMP_YEARS, 1.0),
                    probability=probability,
                )
            )
    return flows


def launch_offset(years_to_approval: float) -> int:
    """First whole year after approval, counted from now (rounded to shed float noise)."""
    return math.ceil(round(years_to_approval, 6))


def rnpv(cash_flows: list[CashFlow], rate: float) -> float:
    """Risk-adjusted NPV of the cash flows at a real discount rate."""
    return sum(cf.amount * cf.probability / (1 + rate) ** cf.t for cf in cash_flows)
