from collections.abc import Sequence

import numpy as np
import pytest

from service.assignment import (
    AssignmentSettings,
    ProposalProfile,
    ReviewerProfile,
    TfidfAffinity,
    conflict_matrix,
    plan_assignments,
)
from service.assignment.candidates import CandidateScorer
from tests.assignment.builders import proposal, reviewer


def scorer(
    proposals: list[ProposalProfile], reviewers: list[ReviewerProfile], bonus: float = 0.2
) -> CandidateScorer:
    return CandidateScorer(
        proposals,
        reviewers,
        conflict_matrix(proposals, reviewers),
        TfidfAffinity(),
        area_bonus=bonus,
        chunk_rows=2,
    )


def test_matching_expertise_scores_higher_than_unrelated_expertise() -> None:
    expert = reviewer(expertise="car-t cell therapy for lymphoma", areas=())
    outsider = reviewer(expertise="glaucoma and retinal imaging", areas=())
    plan = plan_assignments([proposal()], [outsider, expert])
    assert [a.reviewer_id for a in plan.assignments] == [expert.id]
    assert plan.assignments[0].rank == 1


def test_covering_the_therapeutic_area_adds_the_configured_bonus() -> None:
    covering = reviewer(expertise="lymphoma", areas=("oncology",))
    other = reviewer(expertise="lymphoma", areas=("neurology",))
    plan = plan_assignments(
        [proposal(needed=2)], [other, covering], settings=AssignmentSettings(area_bonus=0.3)
    )
    by_reviewer = {a.reviewer_id: a for a in plan.assignments}
    assert by_reviewer[covering.id].area_match and not by_reviewer[other.id].area_match
    assert by_reviewer[covering.id].affinity - by_reviewer[other.id].affinity == pytest.approx(
        0.3, abs=1e-6
    )
    assert by_reviewer[covering.id].rank == 1
    assert "oncology" in by_reviewer[covering.id].explanation


def test_top_k_keeps_the_best_eligible_reviewers_in_order_across_chunks() -> None:
    proposals = [proposal(text="lymphoma car-t"), proposal(text="glaucoma retina"), proposal()]
    reviewers = [
        reviewer(expertise="lymphoma car-t", areas=()),
        reviewer(expertise="glaucoma retina", areas=()),
        reviewer(expertise="lymphoma", areas=()),
        reviewer(expertise="lymphoma car-t", areas=(), capacity=0),
        reviewer(email="x@acme.edu", expertise="lymphoma car-t", areas=()),
    ]
    candidates = scorer(proposals, reviewers).top(np.arange(3), 2)

    first = candidates.proposal == 0
    assert candidates.reviewer[first].tolist() == [0, 2]
    assert candidates.rank[first].tolist() == [1, 2]
    assert candidates.reviewer[candidates.proposal == 1][0] == 1
    # Full (3) and conflicted (4) reviewers are never candidates.
    assert not np.isin(candidates.reviewer, [3, 4]).any()


def test_restricted_top_k_keeps_ranks_among_all_eligible_reviewers() -> None:
    reviewers = [
        reviewer(expertise="lymphoma car-t", areas=()),
        reviewer(expertise="lymphoma", areas=()),
        reviewer(expertise="glaucoma", areas=()),
    ]
    only_last_two = np.array([False, True, True])
    candidates = scorer([proposal()], reviewers).top(np.arange(1), 1, among=only_last_two)
    assert candidates.reviewer.tolist() == [1]
    assert candidates.rank.tolist() == [2]


class KeywordModel:
    """A stand-in for an embedding model: one dense dimension per keyword."""

    keywords = ("lymphoma", "glaucoma")

    def encode(
        self, proposals: Sequence[ProposalProfile], reviewers: Sequence[ReviewerProfile]
    ) -> tuple[np.ndarray, np.ndarray]:
        def embed(texts: list[str]) -> np.ndarray:
            return np.array([[float(k in t) for k in self.keywords] for t in texts])

        return embed([p.text for p in proposals]), embed([r.expertise for r in reviewers])


def test_another_affinity_model_can_replace_tfidf() -> None:
    eye = reviewer(expertise="glaucoma", areas=())
    blood = reviewer(expertise="lymphoma", areas=())
    plan = plan_assignments([proposal(text="glaucoma surgery")], [blood, eye], model=KeywordModel())
    assert [a.reviewer_id for a in plan.assignments] == [eye.id]
    assert plan.assignments[0].affinity == pytest.approx(1.0)
