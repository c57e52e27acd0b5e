"""Conflicts of interest between proposals and reviewers.

Two views of the same rules:

- `check_pair` is the readable rule book for one (proposal, reviewer) pair, with the reason
  and a human explanation of every conflict; `explain_conflicts` applies it to one proposal
  for the chair's preview.
- `conflict_matrix` computes every conflicted pair of a whole committee at once, for the solver.
  Identities (organisation ids, e-mail domains, names, e-mails) become integer codes and each
  rule is a sparse incidence product, so the cost follows the number of identities and
  declarations, not the number of proposal x reviewer pairs.

Both views derive their keys through the same functions below, and the tests check they agree.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

import numpy as np
from scipy import sparse

from service.assignment.profiles import ProposalProfile, RecordedConflict, ReviewerProfile


class ConflictReason(StrEnum):
    same_organisation = "same_organisation"
    shared_email_domain = "shared_email_domain"
    declared_by_applicant = "declared_by_applicant"
    declared_by_reviewer = "declared_by_reviewer"
    recorded_for_proposal = "recorded_for_proposal"
    recorded_for_organisation = "recorded_for_organisation"


# One bit per reason so a pair's reasons fit in one small integer of the sparse matrix.
_BIT = {reason: np.int16(1 << position) for position, reason in enumerate(ConflictReason)}


@dataclass(frozen=True)
class Conflict:
    """One reason a reviewer must not review a proposal, with text for the chair."""

    reason: ConflictReason
    detail: str


def normalise(entry: str) -> str:
    """Canonical form of an entry or identity: lower-case, no leading '@', canonical UUIDs."""
    value = entry.strip().lower().lstrip("@")
    try:
        return str(UUID(value))
    except ValueError:
        return value


def email_domain(email: str) -> str:
    """The domain of an e-mail address, lower-case; empty if the address has none."""
    _, at, domain = email.strip().lower().rpartition("@")
    return domain if at else ""


def domain_and_parents(domain: str) -> list[str]:
    """`lab.acme.edu` -> [`lab.acme.edu`, `acme.edu`]: a subdomain belongs to its organisation.

    The bare top-level label is dropped so `edu` never matches anything.
    """
    labels = normalise(domain).split(".") if domain else []
    return [".".join(labels[start:]) for start in range(len(labels) - 1)]


def _reviewer_identity(reviewer: ReviewerProfile) -> set[str]:
    """What an applicant's declaration may name to exclude this reviewer."""
    keys = {normalise(reviewer.email), *domain_and_parents(email_domain(reviewer.email))}
    if reviewer.organisation_id is not None:
        keys.add(str(reviewer.organisation_id))
    if reviewer.organisation_name:
        keys.add(normalise(reviewer.organisation_name))
    return keys


def _applicant_identity(proposal: ProposalProfile) -> set[str]:
    """What a reviewer's declaration may name to exclude this proposal."""
    keys = {str(proposal.organisation_id)}
    for domain in proposal.organisation_domains:
        keys.update(domain_and_parents(domain))
    if proposal.organisation_name:
        keys.add(normalise(proposal.organisation_name))
    keys.update(normalise(email) for email in proposal.applicant_emails)
    return keys


def _applicant_domains(proposal: ProposalProfile) -> set[str]:
    return {normalise(domain) for domain in proposal.organisation_domains}


def check_pair(
    proposal: ProposalProfile,
    reviewer: ReviewerProfile,
    recorded: Iterable[RecordedConflict] = (),
) -> tuple[Conflict, ...]:
    """Every conflict of interest between one proposal and one reviewer; empty if none.

    Used for a chair's manual assignment and as the reference the vectorised matrix must match.
    """
    conflicts: list[Conflict] = []
    if (
        reviewer.organisation_id is not None
        and reviewer.organisation_id == proposal.organisation_id
    ):
        conflicts.append(
            Conflict(
                ConflictReason.same_organisation, "reviewer belongs to the applicant organisation"
            )
        )
    reviewer_domain = email_domain(reviewer.email)
    shared = _applicant_domains(proposal).intersection(domain_and_parents(reviewer_domain))
    if shared:
        conflicts.append(
            Conflict(
                ConflictReason.shared_email_domain,
                f"reviewer e-mail domain {reviewer_domain} belongs to the applicant organisation"
                f" ({', '.join(sorted(shared))})",
            )
        )
    reviewer_keys = _reviewer_identity(reviewer)
    for entry in proposal.declared_conflicts:
        if normalise(entry) in reviewer_keys:
            conflicts.append(
                Conflict(
                    ConflictReason.declared_by_applicant,
                    f"the applicant declared a conflict with {entry}",
                )
            )
    applicant_keys = _applicant_identity(proposal)
    for entry in reviewer.declared_conflicts:
        if normalise(entry) in applicant_keys:
            conflicts.append(
                Conflict(
                    ConflictReason.declared_by_reviewer,
                    f"the reviewer declared a conflict with {entry}",
                )
            )
    for record in recorded:
        if record.reviewer_id != reviewer.id:
            continue
        if record.proposal_id == proposal.id:
            conflicts.append(
                Conflict(
                    ConflictReason.recorded_for_proposal,
                    f"recorded conflict on this proposal: {record.reason}",
                )
            )
        elif record.organisation_id == proposal.organisation_id:
            conflicts.append(
                Conflict(
                    ConflictReason.recorded_for_organisation,
                    f"recorded conflict with the applicant organisation: {record.reason}",
                )
            )
    return tuple(conflicts)


def explain_conflicts(
    proposal: ProposalProfile,
    reviewers: Sequence[ReviewerProfile],
    recorded: Iterable[RecordedConflict] = (),
) -> list[tuple[UUID, tuple[Conflict, ...]]]:
    """The conflicted reviewers of one proposal with their reasons, for the chair's preview."""
    by_reviewer: dict[UUID, list[RecordedConflict]] = {}
    for record in recorded:
        by_reviewer.setdefault(record.reviewer_id, []).append(record)
    explained = []
    for reviewer in reviewers:
        conflicts = check_pair(proposal, reviewer, by_reviewer.get(reviewer.id, ()))
        if conflicts:
            explained.append((reviewer.id, conflicts))
    return explained


@dataclass(frozen=True)
class ConflictMatrix:
    """All conflicted pairs of a committee.

    `codes` is a sparse (proposals x reviewers) matrix whose stored entries are the conflicted
    pairs, each holding one bit per `ConflictReason` that applies.
    """

    codes: sparse.csr_array

    def reasons(self, proposal_index: int, reviewer_index: int) -> tuple[ConflictReason, ...]:
        """The reasons a pair is conflicted, by position in the inputs; empty if it is not."""
        code = int(self.codes[proposal_index, reviewer_index])
        return tuple(reason for reason, bit in _BIT.items() if code & int(bit))


class _Codebook:
    """Integer codes for identity strings shared by both sides, and incidence matrices over them."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []

    def rows(self, keys_per_row: Iterable[Iterable[str]]) -> int:
        """Register one row of keys per item; returns a handle for `matrix` once all are in."""
        indptr = [0]
        indices: list[int] = []
        for keys in keys_per_row:
            indices.extend(self._codes.setdefault(key, len(self._codes)) for key in set(keys))
            indptr.append(len(indices))
        self._pending.append((np.asarray(indptr, np.int64), np.asarray(indices, np.int64)))
        return len(self._pending) - 1

    def matrix(self, handle: int) -> sparse.csr_array:
        indptr, indices = self._pending[handle]
        data = np.ones(len(indices), np.int32)
        shape = (len(indptr) - 1, len(self._codes))
        return sparse.csr_array((data, indices, indptr), shape=shape)


def _marked(hits: sparse.csr_array, reason: ConflictReason) -> sparse.csr_array:
    """Replace match counts by the reason's bit."""
    hits = sparse.csr_array(hits)
    hits.sum_duplicates()
    hits.data = np.full(hits.nnz, _BIT[reason], np.int16)
    return hits


def conflict_matrix(
    proposals: Sequence[ProposalProfile],
    reviewers: Sequence[ReviewerProfile],
    recorded: Iterable[RecordedConflict] = (),
) -> ConflictMatrix:
    """Every conflicted (proposal, reviewer) pair, with its reasons, for the solver."""
    book = _Codebook()
    recorded = list(recorded)
    proposal_org = book.rows([str(p.organisation_id)] for p in proposals)
    proposal_domains = book.rows(_applicant_domains(p) for p in proposals)
    proposal_identity = book.rows(_applicant_identity(p) for p in proposals)
    proposal_declared = book.rows((normalise(e) for e in p.declared_conflicts) for p in proposals)
    reviewer_org = book.rows(
        [str(r.organisation_id)] if r.organisation_id is not None else [] for r in reviewers
    )
    reviewer_domains = book.rows(domain_and_parents(email_domain(r.email)) for r in reviewers)
    reviewer_identity = book.rows(_reviewer_identity(r) for r in reviewers)
    reviewer_declared = book.rows((normalise(e) for e in r.declared_conflicts) for r in reviewers)
    organisation_wide: dict[UUID, list[str]] = {}
    for record in recorded:
        if record.organisation_id is not None:
            organisation_wide.setdefault(record.reviewer_id, []).append(str(record.organisation_id))
    reviewer_recorded_orgs = book.rows(organisation_wide.get(r.id, []) for r in reviewers)

    def product(left: int, right: int) -> sparse.csr_array:
        return book.matrix(left) @ book.matrix(right).T

    codes = (
        _marked(product(proposal_org, reviewer_org), ConflictReason.same_organisation)
        + _marked(product(proposal_domains, reviewer_domains), ConflictReason.shared_email_domain)
        + _marked(
            product(proposal_declared, reviewer_identity), ConflictReason.declared_by_applicant
        )
        + _marked(
            product(proposal_identity, reviewer_declared), ConflictReason.declared_by_reviewer
        )
        + _marked(
            product(proposal_org, reviewer_recorded_orgs),
            ConflictReason.recorded_for_organisation,
        )
        + _marked(
            _person_to_proposal(proposals, reviewers, recorded),
            ConflictReason.recorded_for_proposal,
        )
    )
    return ConflictMatrix(sparse.csr_array(codes, dtype=np.int16))


def _person_to_proposal(
    proposals: Sequence[ProposalProfile],
    reviewers: Sequence[ReviewerProfile],
    recorded: Sequence[RecordedConflict],
) -> sparse.csr_array:
    proposal_index = {p.id: i for i, p in enumerate(proposals)}
    reviewer_index = {r.id: j for j, r in enumerate(reviewers)}
    rows: list[int] = []
    cols: list[int] = []
    for record in recorded:
        if record.proposal_id in proposal_index and record.reviewer_id in reviewer_index:
            rows.append(proposal_index[record.proposal_id])
            cols.append(reviewer_index[record.reviewer_id])
    return sparse.csr_array(
        (np.ones(len(rows), np.int32), (rows, cols)), shape=(len(proposals), len(reviewers))
    )
