"""The aggregate on hand-computed numbers."""

from dataclasses import dataclass, field

import pytest

from service.committees.models import DEFAULT_RUBRIC
from service.reviews.aggregate import aggregate, review_overall

# Weights 3 and 1 normalise to 0.75 and 0.25.
RUBRIC = [
    {"key": "science", "label": "Science", "weight": 3},
    {"key": "market", "label": "Market", "weight": 1},
]


@dataclass
class Scored:
    scores: dict[str, int] = field(default_factory=dict)
    recommendation: str | None = None
    confidence: int | None = None


def test_three_reviews_by_hand() -> None:
    reviews = [
        Scored({"science": 5, "market": 1}, "approve", 4),  # 0.75*5 + 0.25*1 = 4.0
        Scored({"science": 3, "market": 5}, "revise", 2),  # 2.25 + 1.25 = 3.5
        Scored({"science": 2, "market": 2}, "reject", 2),  # 2.0
    ]
    result = aggregate(RUBRIC, reviews)

    science, market = result["criteria"]
    assert science == {
        "key": "science",
        "label": "Science",
        "weight": 0.75,
        "scored_by": 3,
        "mean": 3.333,  # 10 / 3
        "min": 2,
        "max": 5,
        "spread": 3,
        "stdev": 1.247,  # sqrt(((5-10/3)^2 + (3-10/3)^2 + (2-10/3)^2) / 3) = sqrt(14/9)
    }
    assert (market["weight"], market["mean"], market["spread"], market["stdev"]) == (
        0.25,
        2.667,  # 8 / 3
        4,
        1.7,  # sqrt(26/9) = 1.6997
    )
    assert result["overall"] == {
        "mean": 3.167,  # (4 + 3.5 + 2) / 3
        "min": 2,
        "max": 4,
        "spread": 2,
        "stdev": 0.85,  # sqrt(6.5/9) = 0.8498
        "confidence_weighted_mean": 3.375,  # (4*4 + 3.5*2 + 2*2) / (4 + 2 + 2) = 27/8
    }
    assert result["recommendations"] == {"approve": 1, "revise": 1, "reject": 1}
    assert result["reviews"] == 3
    assert result["conflicting_recommendations"] is True


def test_close_reviews_do_not_conflict() -> None:
    reviews = [
        Scored({"science": 4, "market": 4}, "approve", 5),  # 4.0
        Scored({"science": 3, "market": 4}, "revise", 3),  # 3.25
    ]
    result = aggregate(RUBRIC, reviews)
    assert result["overall"]["mean"] == 3.625
    assert result["overall"]["spread"] == 0.75
    assert result["overall"]["confidence_weighted_mean"] == 3.719  # (20 + 9.75) / 8 = 3.71875
    assert result["conflicting_recommendations"] is False


def test_approve_and_reject_together_conflict_even_when_scores_agree() -> None:
    reviews = [Scored({"science": 4, "market": 4}, "approve"), Scored({"science": 4}, "reject")]
    result = aggregate(RUBRIC, reviews)
    assert result["overall"]["spread"] == 0
    assert result["conflicting_recommendations"] is True


def test_a_two_point_spread_conflicts_despite_float_rounding() -> None:
    # With the default rubric, all-5 minus all-3 comes out as 1.9999999999999996.
    rubric = [c.model_dump() for c in DEFAULT_RUBRIC]
    high = Scored({c.key: 5 for c in DEFAULT_RUBRIC}, "approve")
    low = Scored({c.key: 3 for c in DEFAULT_RUBRIC}, "revise")
    result = aggregate(rubric, [high, low])
    assert result["overall"]["spread"] == 2
    assert result["conflicting_recommendations"] is True


def test_a_partial_review_is_weighted_over_the_criteria_it_scored() -> None:
    assert review_overall({"science": 0.75, "market": 0.25}, {"science": 2}) == 2
    assert review_overall({"science": 0.75}, {"unknown": 5}) is None
    result = aggregate(RUBRIC, [Scored({"science": 2, "stale_key": 5})])
    assert result["criteria"][1]["scored_by"] == 0
    assert result["criteria"][1]["mean"] is None
    assert result["overall"]["mean"] == 2
    assert result["overall"]["confidence_weighted_mean"] is None


def test_no_reviews_give_empty_statistics() -> None:
    result = aggregate(RUBRIC, [])
    assert result["overall"]["mean"] is None
    assert result["recommendations"] == {"approve": 0, "revise": 0, "reject": 0}
    assert result["conflicting_recommendations"] is False


@pytest.mark.parametrize("weight", [1, 7.5, 100])
def test_equal_weights_give_the_plain_mean(weight: float) -> None:
    rubric = [{"key": k, "label": k, "weight": weight} for k in ("a", "b", "c")]
    result = aggregate(rubric, [Scored({"a": 1, "b": 2, "c": 4})])
    assert result["overall"]["mean"] == 2.333
