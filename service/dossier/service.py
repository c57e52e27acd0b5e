"""What one reader's dossier of a proposal holds: each part read as the API would read it.

No rule is written here: each part comes from the service function the API calls for it, and
`policy` says which parts the reader may have at all. What the reader may not see is left out,
not blanked: the applicant's copy has no reviews, names, discussion or rationale to redact.
"""

from dataclasses import dataclass
from uuid import UUID

from sqlmodel import Session

from service import policy
from service.analysis.service import ApplicantAnalysis, CommitteeAnalysis, read_analysis
from service.auth.models import User
from service.errors import NotFound
from service.proposals import service as proposals
from service.proposals.models import ProposalPublic, TransitionPublic
from service.reviews import discussion
from service.reviews import response as applicant_response
from service.reviews import service as reviews
from service.reviews.schemas import (
    DecisionForApplicant,
    DecisionForCommittee,
    DiscussionCommentPublic,
    ProposalReviews,
)


@dataclass(frozen=True)
class Dossier:
    """One reader's dossier of the proposal's latest version (its current round)."""

    proposal: ProposalPublic
    # The committee's copy (reviewer identities, the rationale): whoever may read who did what.
    for_committee: bool
    history: list[TransitionPublic]
    analysis: CommitteeAnalysis | ApplicantAnalysis | None
    reviews: ProposalReviews | None  # None for readers who may not read the round's reviews
    discussion: list[DiscussionCommentPublic] | None
    applicant_answer: str | None
    decision: DecisionForApplicant | DecisionForCommittee | None
    decided_by: str | None  # the chair's name, in the committee's copy


def dossier(*, session: Session, user: User, proposal_id: UUID) -> Dossier:
    """The dossier of a proposal the caller may read (404 / 403 as reading it answers)."""
    found = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.read
    )
    proposal = found.proposal
    version = proposal.version
    try:
        analysis = read_analysis(session=session, user=user, proposal_id=proposal.id)
    except NotFound:
        analysis = None
    # A round exists once the proposal was submitted and routed to a committee.
    in_round = version > 0 and proposal.committee_id is not None
    round_reviews = None
    if in_round and found.may(policy.Action.read_reviews):
        round_reviews = reviews.reviews_for(
            session=session, user=user, proposal_id=proposal.id, version=version
        )
    thread = None
    if in_round and found.may(policy.Action.read_discussion):
        thread = discussion.discussion(
            session=session, user=user, proposal_id=proposal.id, version=version
        )
    decision = None
    if version > 0:
        try:
            decision = reviews.decision_for(
                session=session, user=user, proposal_id=proposal.id, version=version
            )
        except NotFound:
            decision = None
    decided_by = None
    if isinstance(decision, DecisionForCommittee):
        chair = session.get(User, decision.decided_by)
        decided_by = chair.full_name if chair else None
    answer = None
    if in_round:
        answer = applicant_response.response_round(
            session=session, user=user, proposal_id=proposal.id
        ).response
    return Dossier(
        proposal=proposals.read(session=session, user=user, proposal_id=proposal.id),
        for_committee=found.may(policy.Action.read_people),
        history=proposals.history(session=session, user=user, proposal_id=proposal.id),
        analysis=analysis,
        reviews=round_reviews,
        discussion=thread,
        applicant_answer=answer,
        decision=decision,
        decided_by=decided_by,
    )
