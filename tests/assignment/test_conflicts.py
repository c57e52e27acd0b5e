from uuid import uuid4

import pytest

from service.assignment import (
    ConflictReason,
    RecordedConflict,
    check_pair,
    conflict_matrix,
    explain_conflicts,
)
from tests.assignment.builders import ACME, BETA, proposal, reviewer


def reasons(conflicts: tuple) -> set[ConflictReason]:
    return {c.reason for c in conflicts}


def test_unrelated_reviewer_has_no_conflict() -> None:
    assert check_pair(proposal(), reviewer(email="bob@beta.org", organisation_id=BETA)) == ()


def test_reviewer_from_applicant_organisation_is_conflicted() -> None:
    conflicts = check_pair(proposal(), reviewer(email="bob@gmail.com", organisation_id=ACME))
    assert reasons(conflicts) == {ConflictReason.same_organisation}


def test_reviewer_with_applicant_email_domain_is_conflicted() -> None:
    conflicts = check_pair(proposal(), reviewer(email="Bob@ACME.edu"))
    assert reasons(conflicts) == {ConflictReason.shared_email_domain}
    assert "acme.edu" in conflicts[0].detail


def test_reviewer_on_a_subdomain_of_the_applicant_is_conflicted() -> None:
    conflicts = check_pair(proposal(), reviewer(email="bob@lab.acme.edu"))
    assert reasons(conflicts) == {ConflictReason.shared_email_domain}


def test_lookalike_or_sibling_domains_are_not_conflicts() -> None:
    assert check_pair(proposal(), reviewer(email="bob@notacme.edu")) == ()
    assert check_pair(proposal(domains=("med.acme.edu",)), reviewer(email="bob@acme.edu")) == ()


@pytest.mark.parametrize(
    "declared",
    ["Bob@Beta.org", "beta.org", "@beta.org", str(BETA).upper(), "beta institute"],
    ids=["e-mail", "domain", "at-domain", "organisation id", "organisation name"],
)
def test_applicant_declared_conflict_with_reviewer(declared: str) -> None:
    bob = reviewer(email="bob@beta.org", organisation_id=BETA, organisation_name="Beta Institute")
    conflicts = check_pair(proposal(declared=(declared,)), bob)
    assert reasons(conflicts) == {ConflictReason.declared_by_applicant}
    assert declared in conflicts[0].detail


@pytest.mark.parametrize(
    "declared",
    [str(ACME), "acme.edu", "ACME University", "pi@acme.edu"],
    ids=["organisation id", "domain", "organisation name", "applicant e-mail"],
)
def test_reviewer_declared_conflict_with_applicant(declared: str) -> None:
    applicant = proposal(domains=("med.acme.edu",), applicant_emails=("pi@acme.edu",))
    conflicts = check_pair(applicant, reviewer(declared=(declared,)))
    assert reasons(conflicts) == {ConflictReason.declared_by_reviewer}


def test_past_decline_for_conflict_excludes_only_that_proposal() -> None:
    declined, other = proposal(), proposal()
    ann = reviewer()
    record = RecordedConflict(ann.id, "declined: co-author of the PI", proposal_id=declined.id)
    conflicts = check_pair(declined, ann, [record])
    assert reasons(conflicts) == {ConflictReason.recorded_for_proposal}
    assert "co-author" in conflicts[0].detail
    assert check_pair(other, ann, [record]) == ()


def test_admin_recorded_conflict_covers_every_proposal_of_the_organisation() -> None:
    ann = reviewer()
    record = RecordedConflict(ann.id, "paid adviser", organisation_id=ACME)
    assert reasons(check_pair(proposal(), ann, [record])) == {
        ConflictReason.recorded_for_organisation
    }
    assert check_pair(proposal(organisation_id=BETA, domains=("beta.org",)), ann, [record]) == ()


def test_recorded_conflict_names_a_proposal_or_an_organisation() -> None:
    with pytest.raises(ValueError):
        RecordedConflict(uuid4(), "unclear")
    with pytest.raises(ValueError):
        RecordedConflict(uuid4(), "unclear", proposal_id=uuid4(), organisation_id=ACME)


def test_explain_conflicts_lists_each_conflicted_reviewer_with_all_reasons() -> None:
    applicant = proposal(declared=("bob@acme.edu",))
    bob = reviewer(email="bob@acme.edu", organisation_id=ACME)
    cat = reviewer(email="cat@beta.org")
    dan = reviewer(email="dan@beta.org")
    record = RecordedConflict(dan.id, "declined for conflict", proposal_id=applicant.id)

    explained = dict(explain_conflicts(applicant, [bob, cat, dan], [record]))

    assert set(explained) == {bob.id, dan.id}
    assert reasons(explained[bob.id]) == {
        ConflictReason.same_organisation,
        ConflictReason.shared_email_domain,
        ConflictReason.declared_by_applicant,
    }
    assert reasons(explained[dan.id]) == {ConflictReason.recorded_for_proposal}


def test_conflict_matrix_holds_every_reason_of_every_pair() -> None:
    first = proposal(declared=("cat@beta.org",))
    second = proposal(organisation_id=BETA, domains=("beta.org",), organisation_name="Beta")
    bob = reviewer(email="bob@acme.edu", organisation_id=ACME, declared=("beta",))
    cat = reviewer(email="cat@beta.org")
    records = [
        RecordedConflict(cat.id, "adviser", organisation_id=ACME),
        RecordedConflict(bob.id, "declined", proposal_id=second.id),
    ]

    matrix = conflict_matrix([first, second], [bob, cat], records)

    assert set(matrix.reasons(0, 0)) == {
        ConflictReason.same_organisation,
        ConflictReason.shared_email_domain,
    }
    assert set(matrix.reasons(0, 1)) == {
        ConflictReason.declared_by_applicant,
        ConflictReason.recorded_for_organisation,
    }
    assert set(matrix.reasons(1, 0)) == {
        ConflictReason.declared_by_reviewer,
        ConflictReason.recorded_for_proposal,
    }
    assert set(matrix.reasons(1, 1)) == {ConflictReason.shared_email_domain}
