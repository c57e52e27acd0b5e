"""Screening: the automated intake check between submission and prospect analysis.

Completeness, plausibility, near-duplicates within the organisation, and routing to the
committee whose areas cover the proposal. Problems the applicant can fix send the proposal
back (`returned`) with every reason listed; a missing committee is an operator's problem and
stalls the stage instead, for an admin to fix and re-drive.
"""

import re
from uuid import UUID

from sqlmodel import Session, col, select

from service.auth.service import applicants_of
from service.committees.service import covering
from service.db import utcnow
from service.errors import Conflict
from service.notifications.service import notify
from service.proposals.models import Attachment, Proposal
from service.proposals.service import move
from service.proposals.vocabulary import Modality, Phase
from service.proposals.workflow import Actor, Event, GuardContext, State

# Word-shingle Jaccard similarity at or above this marks a near-duplicate.
DUPLICATE_SIMILARITY = 0.8
_NON_CLINICAL = {Modality.medical_device, Modality.diagnostic, Modality.manufacturing}
_CLINICAL_PHASES = {Phase.phase_1, Phase.phase_2, Phase.phase_3, Phase.filed}


class NoCommittee(Conflict):
    """No committee covers the proposal's therapeutic area: an admin must create one."""


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' three-word shingles (0 to 1)."""
    left, right = _shingles(a), _shingles(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def problems(*, session: Session, proposal: Proposal) -> list[str]:
    """Every reason the applicant must fix before the proposal can go on; empty if none."""
    found = [f"{name} is required" for name in proposal.missing_for_submit()]
    if proposal.budget_requested is not None and proposal.budget_requested <= 0:
        found.append("budget_requested must be greater than zero")
    year = utcnow().year
    if proposal.target_launch_year is not None and proposal.target_launch_year < year:
        found.append(f"target_launch_year {proposal.target_launch_year} is in the past")
    if proposal.modality == Modality.manufacturing and proposal.phase not in (
        None,
        Phase.not_applicable,
    ):
        found.append("phase must be not_applicable for a manufacturing/supply-chain project")
    if proposal.modality not in _NON_CLINICAL and proposal.phase == Phase.not_applicable:
        found.append(f"phase is required for a {proposal.modality} programme")
    if proposal.modality == Modality.diagnostic and proposal.phase in _CLINICAL_PHASES - {
        Phase.filed
    }:
        found.append("diagnostics do not run phase 1-3 trials; use preclinical, filed or marketed")
    has_file = session.exec(
        select(Attachment.id).where(Attachment.proposal_id == proposal.id).limit(1)
    ).first()
    if has_file is None:
        found.append("at least one attachment (e.g. the business plan) is required")
    text = f"{proposal.title}\n{proposal.summary}"
    siblings = session.exec(
        select(Proposal).where(
            Proposal.organisation_id == proposal.organisation_id,
            Proposal.id != proposal.id,
            col(Proposal.state).not_in([State.withdrawn, State.rejected, State.draft]),
        )
    )
    for other in siblings:
        score = similarity(text, f"{other.title}\n{other.summary}")
        if score >= DUPLICATE_SIMILARITY:
            found.append(
                f"near-duplicate of your proposal {other.id} ({other.title!r}, "
                f"{score:.0%} similar): withdraw one or make the difference clear"
            )
    return found


def screen(*, session: Session, proposal_id: UUID, version: int) -> None:
    """Screen one submitted version; does nothing if the proposal has moved on."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.state != State.screening or proposal.version != version:
        return
    found = problems(session=session, proposal=proposal)
    if found:
        move(
            session=session,
            proposal=proposal,
            event=Event.return_to_applicant,
            actor=Actor.system,
            actor_id=None,
            reason="; ".join(found),
        )
        applicants = applicants_of(session=session, organisation_id=proposal.organisation_id)
        notify(
            session=session,
            event="proposal.returned",
            proposal=proposal,
            recipients=applicants,
            subject=f"Please revise: {proposal.title}",
            body="Screening found problems to fix before review:\n- " + "\n- ".join(found),
            occurrence=str(version),
            payload={"reasons": found},
        )
        return
    committee = covering(session=session, therapeutic_area=str(proposal.therapeutic_area))
    if committee is None:
        raise NoCommittee(f"no committee covers the therapeutic area {proposal.therapeutic_area}")
    proposal.committee_id = committee.id
    move(
        session=session,
        proposal=proposal,
        event=Event.pass_screening,
        actor=Actor.system,
        actor_id=None,
        reason=f"routed to committee {committee.name}",
        context=GuardContext(),
        flush=False,
    )
