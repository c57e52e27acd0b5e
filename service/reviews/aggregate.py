"""The committee's combined view of a proposal's reviews: pure arithmetic, no I/O.

The result is plain JSON (it is stored as a `ReviewAggregate` and returned to chairs as is).
"""

from collections.abc import Mapping, Sequence
from statistics import fmean, pstdev
from typing import Any, Protocol

from service.reviews.models import Recommendation

# Overall scores this far apart (on the 1-5 scale) mean the reviewers disagree.
DISAGREEMENT_SPREAD = 2.0
# Weighted means of integers land a hair below round numbers (1.9999999999999996).
_EPSILON = 1e-9
_DIGITS = 3


class Scored(Protocol):
    """What the aggregate reads from a review (a `Review` row or anything shaped like it)."""

    @property
    def scores(self) -> Mapping[str, int]: ...

    @property
    def recommendation(self) -> str | None: ...

    @property
    def confidence(self) -> int | None: ...


def _spread(values: Sequence[float]) -> dict[str, float | None]:
    """Mean, min, max, max-min and population standard deviation (the panel is the population)."""
    if not values:
        return {"mean": None, "min": None, "max": None, "spread": None, "stdev": None}
    return {
        "mean": round(fmean(values), _DIGITS),
        "min": round(min(values), _DIGITS),
        "max": round(max(values), _DIGITS),
        "spread": round(max(values) - min(values), _DIGITS),
        "stdev": round(pstdev(values), _DIGITS),
    }


def review_overall(weights: Mapping[str, float], scores: Mapping[str, int]) -> float | None:
    """One review's weighted score: sum(w_i * s_i) / sum(w_i) over the criteria it scored.

    Keys outside the rubric are ignored; None when the review scored no rubric criterion.
    """
    scored = [key for key in weights if key in scores]
    total = sum(weights[key] for key in scored)
    if not scored or total <= 0:
        return None
    return sum(weights[key] * scores[key] for key in scored) / total


def aggregate(rubric: Sequence[Mapping[str, Any]], reviews: Sequence[Scored]) -> dict[str, Any]:
    """Combine `reviews` against the committee's `rubric` (a list of {key, label, weight}).

    - per criterion: the rubric weight normalised to sum 1, and the mean, min, max, spread
      (max - min) and population standard deviation of the scores given to it;
    - overall: each review's weighted score (see `review_overall`), then across reviews the same
      statistics; the headline `overall.mean` is the plain mean of the review scores, so every
      reviewer counts equally, and `overall.confidence_weighted_mean` weights each review by
      its reviewer's declared confidence (1-5) for the chair to compare;
    - the count of each recommendation;
    - `conflicting_recommendations`: both approve and reject were recommended, or the overall
      scores are at least `DISAGREEMENT_SPREAD` points apart.

    Numbers are rounded to three decimals; the disagreement test uses the unrounded ones.
    """
    total_weight = sum(float(c["weight"]) for c in rubric)
    weights = {str(c["key"]): float(c["weight"]) / total_weight for c in rubric}
    criteria = []
    for criterion in rubric:
        key = str(criterion["key"])
        given = [r.scores[key] for r in reviews if key in r.scores]
        criteria.append(
            {
                "key": key,
                "label": str(criterion["label"]),
                "weight": round(weights[key], _DIGITS),
                "scored_by": len(given),
                **_spread(given),
            }
        )

    overall_by_review = [(review_overall(weights, r.scores), r.confidence) for r in reviews]
    overalls = [score for score, _ in overall_by_review if score is not None]
    confident = [(score, conf) for score, conf in overall_by_review if score is not None and conf]
    confidence_weighted = (
        round(sum(s * c for s, c in confident) / sum(c for _, c in confident), _DIGITS)
        if confident
        else None
    )

    counts = {str(r): 0 for r in Recommendation}
    for review in reviews:
        if review.recommendation is not None:
            counts[str(review.recommendation)] += 1
    split_vote = counts[Recommendation.approve] > 0 and counts[Recommendation.reject] > 0
    wide_spread = bool(overalls) and max(overalls) - min(overalls) >= DISAGREEMENT_SPREAD - _EPSILON

    return {
        "reviews": len(reviews),
        "criteria": criteria,
        "overall": {**_spread(overalls), "confidence_weighted_mean": confidence_weighted},
        "recommendations": counts,
        "conflicting_recommendations": split_vote or wide_spread,
    }
