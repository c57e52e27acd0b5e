"""Method 1's reference table (prospect-2021.1), frozen as it was when its reports were made."""

from service.analysis.figures import ReferenceFigure
from service.analysis.figures import cost_figures as _cost_figures
from service.analysis.figures import success_rates as _success_rates

METHOD_VERSION = "prospect-2021.1"
_PACKAGE = "service.analysis.method1"


def success_rates() -> dict[tuple[str, str], ReferenceFigure]:
    """Method 1's BIO 2021 figures keyed by (subject, measure)."""
    return _success_rates(_PACKAGE)


def cost_figures() -> dict[str, ReferenceFigure]:
    """Method 1's cost, discount-rate and device figures keyed by their `key` column."""
    return _cost_figures(_PACKAGE)
