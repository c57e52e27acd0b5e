from collections import Counter

from service.assignment import (
    AssignmentSettings,
    RecordedConflict,
    plan_assignments,
    plan_replacement,
)
from tests.assignment.builders import ACME, proposal, reviewer


def test_two_equally_good_reviewers_share_the_load() -> None:
    proposals = [proposal(needed=1) for _ in range(4)]
    ann, bob = reviewer(capacity=4), reviewer(capacity=4)
    plan = plan_assignments(proposals, [ann, bob])
    assert Counter(a.reviewer_id for a in plan.assignments) == {ann.id: 2, bob.id: 2}


def test_balance_counts_reviews_already_open() -> None:
    busy, idle = reviewer(open_reviews=3), reviewer(open_reviews=0)
    plan = plan_assignments([proposal(), proposal()], [busy, idle])
    assert Counter(a.reviewer_id for a in plan.assignments) == {idle.id: 2}


def test_affinity_comes_before_balance() -> None:
    expert = reviewer(expertise="car-t lymphoma relapse therapy")
    generalist = reviewer(expertise="lymphoma")
    plan = plan_assignments([proposal(), proposal(), proposal()], [expert, generalist])
    assert {a.reviewer_id for a in plan.assignments} == {expert.id}


def test_each_proposal_gets_k_distinct_reviewers_within_capacity() -> None:
    proposals = [proposal(needed=3) for _ in range(4)]
    reviewers = [reviewer(capacity=2) for _ in range(6)]
    plan = plan_assignments(proposals, reviewers)
    assert plan.unstaffed == []
    pairs = [(a.proposal_id, a.reviewer_id) for a in plan.assignments]
    assert len(set(pairs)) == 12
    assert max(Counter(r for _, r in pairs).values()) <= 2


def test_already_assigned_reviewer_is_not_chosen_again() -> None:
    ann, bob = reviewer(), reviewer(expertise="glaucoma")
    plan = plan_assignments([proposal(needed=1, already_assigned=(ann.id,))], [ann, bob])
    assert [a.reviewer_id for a in plan.assignments] == [bob.id]


def test_proposal_without_enough_eligible_reviewers_is_reported_with_counts() -> None:
    applicant = proposal(needed=3)
    colleague = reviewer(email="c@acme.edu", organisation_id=ACME)
    declined = reviewer()
    full = reviewer(capacity=0)
    free = reviewer()
    record = RecordedConflict(declined.id, "declined for conflict", proposal_id=applicant.id)

    plan = plan_assignments([applicant], [colleague, declined, full, free], [record])

    assert [a.reviewer_id for a in plan.assignments] == [free.id]
    [short] = plan.unstaffed
    assert (short.proposal_id, short.needed, short.assigned) == (applicant.id, 3, 1)
    assert short.reason == (
        "only 1 eligible reviewers without conflict and with capacity:"
        " 2 excluded for conflict, 1 at capacity"
    )


def test_committee_capacity_exhausted_is_reported() -> None:
    proposals = [proposal(needed=2), proposal(needed=2)]
    plan = plan_assignments(proposals, [reviewer(capacity=1), reviewer(capacity=2)])
    assert len(plan.assignments) == 3
    [short] = plan.unstaffed
    assert short.assigned == 1
    assert short.reason.startswith("committee capacity exhausted")


def test_sparsified_candidates_do_not_hide_a_feasible_assignment() -> None:
    # With top_k=1 both proposals only see the expert; the first proposal must be moved to
    # the generalist (outside its top 1) so the second, conflicted with him, gets the expert.
    expert = reviewer(expertise="car-t lymphoma relapse therapy", capacity=1)
    generalist = reviewer(email="gus@beta.org", expertise="lymphoma", capacity=1)
    flexible = proposal()
    constrained = proposal(declared=("gus@beta.org",))
    plan = plan_assignments(
        [flexible, constrained], [expert, generalist], settings=AssignmentSettings(top_k=1)
    )
    assert plan.unstaffed == []
    assert {(a.proposal_id, a.reviewer_id) for a in plan.assignments} == {
        (flexible.id, generalist.id),
        (constrained.id, expert.id),
    }
    assert {a.rank for a in plan.assignments if a.proposal_id == flexible.id} == {2}


def test_replacement_fills_one_slot_without_current_or_leaving_reviewers() -> None:
    leaving, staying, candidate = reviewer(), reviewer(), reviewer(expertise="lymphoma")
    current = proposal(needed=0, already_assigned=(leaving.id, staying.id))

    plan = plan_replacement(current, leaving.id, [leaving, staying, candidate])

    assert [(a.proposal_id, a.reviewer_id) for a in plan.assignments] == [
        (current.id, candidate.id)
    ]


def test_replacement_that_nobody_can_take_is_reported() -> None:
    leaving = reviewer()
    current = proposal(needed=0, already_assigned=(leaving.id,))
    plan = plan_replacement(current, leaving.id, [leaving, reviewer(capacity=0)])
    assert plan.assignments == []
    assert plan.unstaffed[0].reason == (
        "only 0 eligible reviewers without conflict and with capacity:"
        " 1 already assigned, 1 at capacity"
    )


def test_assignment_explains_why_it_was_chosen() -> None:
    plan = plan_assignments([proposal()], [reviewer(capacity=3, open_reviews=1)])
    [assignment] = plan.assignments
    assert assignment.explanation.startswith("text similarity ")
    assert "for covering oncology; rank 1 of 1 eligible reviewers" in assignment.explanation
    assert assignment.explanation.endswith("load after this plan 2 of 4")


def test_empty_committee_reports_every_proposal() -> None:
    plan = plan_assignments([proposal(needed=2)], [])
    assert plan.assignments == []
    assert (
        plan.unstaffed[0].reason == "only 0 eligible reviewers without conflict and with capacity"
    )
    assert plan_assignments([], [reviewer()]).assignments == []
