"""Properties of the assignment on random small committees, checked against independent methods.

Feasibility and the optimum come from an integer program (scipy's HiGHS `milp`) over the pairs
the scalar rule book `check_pair` allows, not from the solver's own network.
"""

from collections import Counter
from uuid import UUID

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from service.assignment import (
    AssignmentSettings,
    Bid,
    Preference,
    ProposalProfile,
    RecordedConflict,
    ReviewerProfile,
    TfidfAffinity,
    check_pair,
    conflict_matrix,
    plan_assignments,
)

WORDS = ("lymphoma", "car-t", "glaucoma", "retina", "insulin", "obesity", "asthma", "trial")
AREAS = ("oncology", "ophthalmology", "metabolic")
ORGS = tuple(UUID(int=n) for n in range(1, 4))
DOMAINS = ("o1.org", "o2.org", "o3.org")
BONUS = 0.2
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)

texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)


@st.composite
def committees(
    draw: st.DrawFn,
) -> tuple[list[ProposalProfile], list[ReviewerProfile], list[RecordedConflict]]:
    n_reviewers = draw(st.integers(1, 6))
    reviewers = []
    for j in range(n_reviewers):
        org = draw(st.sampled_from([None, 0, 1, 2]))
        home = DOMAINS[org] if org is not None else "free.com"
        reviewers.append(
            ReviewerProfile(
                id=UUID(int=1000 + j),
                email=f"r{j}@{draw(st.sampled_from([home, 'lab.' + home, 'free.com']))}",
                organisation_id=ORGS[org] if org is not None else None,
                expertise=draw(texts),
                areas=tuple(draw(st.sets(st.sampled_from(AREAS), max_size=2))),
                capacity_remaining=draw(st.integers(0, 3)),
                declared_conflicts=tuple(
                    draw(st.lists(st.sampled_from([*DOMAINS, str(ORGS[0])]), max_size=1))
                ),
                open_reviews=draw(st.integers(0, 2)),
            )
        )
    proposals = []
    for i in range(draw(st.integers(1, 4))):
        org = draw(st.integers(0, 2))
        emails = [r.email for r in reviewers]
        proposals.append(
            ProposalProfile(
                id=UUID(int=2000 + i),
                text=draw(texts),
                therapeutic_area=draw(st.sampled_from(AREAS)),
                organisation_id=ORGS[org],
                organisation_domains=(DOMAINS[org],),
                declared_conflicts=tuple(
                    draw(st.lists(st.sampled_from([*emails, *DOMAINS]), max_size=2))
                ),
                reviewers_needed=draw(st.integers(0, 3)),
                already_assigned=tuple(
                    draw(st.lists(st.sampled_from([r.id for r in reviewers]), max_size=1))
                ),
            )
        )
    recorded = [
        RecordedConflict(
            draw(st.sampled_from(reviewers)).id,
            "recorded",
            **draw(
                st.one_of(
                    st.builds(lambda p: {"proposal_id": p.id}, st.sampled_from(proposals)),
                    st.builds(lambda o: {"organisation_id": o}, st.sampled_from(ORGS)),
                )
            ),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    return proposals, reviewers, recorded


def eligible_pairs(
    proposals: list[ProposalProfile],
    reviewers: list[ReviewerProfile],
    recorded: list[RecordedConflict],
) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, p in enumerate(proposals)
        for j, r in enumerate(reviewers)
        if not check_pair(p, r, recorded)
        and r.capacity_remaining > 0
        and r.id not in p.already_assigned
    ]


def affinities(proposals: list[ProposalProfile], reviewers: list[ReviewerProfile]) -> np.ndarray:
    proposal_vectors, reviewer_vectors = TfidfAffinity().encode(proposals, reviewers)
    text = (proposal_vectors @ reviewer_vectors.T).toarray().astype(np.float64)
    area = np.array([[p.therapeutic_area in r.areas for r in reviewers] for p in proposals])
    return text + BONUS * area


def best_by_integer_program(
    proposals: list[ProposalProfile],
    reviewers: list[ReviewerProfile],
    pairs: list[tuple[int, int]],
    affinity: np.ndarray,
) -> tuple[int, float]:
    """(most slots that can be staffed, best total affinity with that many), by MILP."""
    if not pairs:
        return 0, 0.0
    by_proposal = np.array([[i == p for p, _ in pairs] for i in range(len(proposals))], float)
    by_reviewer = np.array([[j == r for _, r in pairs] for j in range(len(reviewers))], float)
    limits = [
        LinearConstraint(by_proposal, 0, [max(p.reviewers_needed, 0) for p in proposals]),
        LinearConstraint(by_reviewer, 0, [r.capacity_remaining for r in reviewers]),
    ]
    binary = {"integrality": np.ones(len(pairs)), "bounds": Bounds(0, 1)}
    most = milp(-np.ones(len(pairs)), constraints=limits, **binary)
    slots = round(-most.fun)
    gains = np.array([affinity[p, r] for p, r in pairs])
    exactly = LinearConstraint(np.ones((1, len(pairs))), slots, slots)
    best = milp(-gains, constraints=[*limits, exactly], **binary)
    return slots, -best.fun


@PROPERTY_SETTINGS
@given(committees(), st.sampled_from([1, 2, 50]))
def test_plan_never_breaks_a_hard_constraint_and_staffs_all_it_can(
    committee: tuple[list[ProposalProfile], list[ReviewerProfile], list[RecordedConflict]],
    top_k: int,
) -> None:
    proposals, reviewers, recorded = committee
    plan = plan_assignments(
        proposals, reviewers, recorded, settings=AssignmentSettings(top_k=top_k, area_bonus=BONUS)
    )
    proposal_by_id = {p.id: p for p in proposals}
    reviewer_by_id = {r.id: r for r in reviewers}
    pairs = [(a.proposal_id, a.reviewer_id) for a in plan.assignments]

    assert len(set(pairs)) == len(pairs)
    for proposal_id, reviewer_id in pairs:
        assert not check_pair(proposal_by_id[proposal_id], reviewer_by_id[reviewer_id], recorded)
        assert reviewer_id not in proposal_by_id[proposal_id].already_assigned
    for reviewer_id, load in Counter(r for _, r in pairs).items():
        assert load <= reviewer_by_id[reviewer_id].capacity_remaining
    staffed = Counter(p for p, _ in pairs)
    for proposal in proposals:
        assert staffed[proposal.id] <= proposal.reviewers_needed

    # Every proposal short of k is reported, with a reason, and only those.
    short = {
        p.id: p.reviewers_needed - staffed[p.id]
        for p in proposals
        if staffed[p.id] < p.reviewers_needed
    }
    assert {u.proposal_id: u.needed - u.assigned for u in plan.unstaffed} == short
    assert all(u.reason for u in plan.unstaffed)

    # As many slots as any assignment could staff: all of them whenever that is feasible.
    eligible = eligible_pairs(proposals, reviewers, recorded)
    most, _ = best_by_integer_program(
        proposals, reviewers, eligible, affinities(proposals, reviewers)
    )
    assert len(pairs) == most


@PROPERTY_SETTINGS
@given(committees())
def test_plan_reaches_the_optimal_total_affinity(
    committee: tuple[list[ProposalProfile], list[ReviewerProfile], list[RecordedConflict]],
) -> None:
    proposals, reviewers, recorded = committee
    # The affinity optimum itself: without the balance penalty, which trades some of it away.
    plan = plan_assignments(
        proposals, reviewers, recorded, settings=AssignmentSettings(area_bonus=BONUS, balance=0.0)
    )
    affinity = affinities(proposals, reviewers)
    slots, optimum = best_by_integer_program(
        proposals, reviewers, eligible_pairs(proposals, reviewers, recorded), affinity
    )
    # Each affinity is rounded to 1/scale in the flow: totals may differ by 1/(2 x scale) per
    # assignment on either side, plus float32 noise.
    tolerance = slots / plan.affinity_scale + 1e-5
    assert abs(plan.total_affinity - optimum) <= tolerance


@PROPERTY_SETTINGS
@given(committees(), st.data())
def test_bids_never_break_a_conflict_and_staff_as_many_slots(
    committee: tuple[list[ProposalProfile], list[ReviewerProfile], list[RecordedConflict]],
    data: st.DataObject,
) -> None:
    proposals, reviewers, recorded = committee
    bids = data.draw(
        st.lists(
            st.builds(
                lambda p, r, preference: Bid(p.id, r.id, preference),
                st.sampled_from(proposals),
                st.sampled_from(reviewers),
                st.sampled_from(list(Preference)),
            ),
            max_size=8,
            unique_by=lambda b: (b.proposal_id, b.reviewer_id),
        )
    )
    plan = plan_assignments(
        proposals, reviewers, recorded, bids=bids, settings=AssignmentSettings(area_bonus=BONUS)
    )
    pairs = {(a.proposal_id, a.reviewer_id) for a in plan.assignments}
    conflicts = {
        (b.proposal_id, b.reviewer_id) for b in bids if b.preference == Preference.conflict
    }
    assert not pairs & conflicts
    # Standing conflicts (the reviewers' declared ones) and the rest of the rule book hold too.
    proposal_by_id = {p.id: p for p in proposals}
    reviewer_by_id = {r.id: r for r in reviewers}
    for proposal_id, reviewer_id in pairs:
        assert not check_pair(proposal_by_id[proposal_id], reviewer_by_id[reviewer_id], recorded)
    # A "not willing" bid costs affinity, never a slot: as many are staffed as the pairs allow.
    as_conflicts = [
        RecordedConflict(b.reviewer_id, "bid", proposal_id=b.proposal_id)
        for b in bids
        if b.preference == Preference.conflict
    ]
    eligible = eligible_pairs(proposals, reviewers, [*recorded, *as_conflicts])
    most, _ = best_by_integer_program(
        proposals, reviewers, eligible, affinities(proposals, reviewers)
    )
    assert len(pairs) == most


@PROPERTY_SETTINGS
@given(committees())
def test_conflict_matrix_agrees_with_the_pair_rule_book(
    committee: tuple[list[ProposalProfile], list[ReviewerProfile], list[RecordedConflict]],
) -> None:
    proposals, reviewers, recorded = committee
    matrix = conflict_matrix(proposals, reviewers, recorded)
    for i, p in enumerate(proposals):
        for j, r in enumerate(reviewers):
            assert set(matrix.reasons(i, j)) == {c.reason for c in check_pair(p, r, recorded)}
