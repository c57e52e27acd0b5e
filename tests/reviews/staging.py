"""Putting a proposal where a review test needs it, the way the pipeline would."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlmodel import Session, select

from service.assignment.models import Assignment, AssignmentStatus
from service.auth.models import User
from service.committees.models import DEFAULT_RUBRIC
from service.proposals.models import Proposal
from service.reviews.service import check_quorum
from service.workflow.moves import move
from service.workflow.table import Actor, Event, GuardContext
from tests.conftest import Api


@dataclass(frozen=True)
class InReview:
    """A proposal in review and its assignments, by reviewer e-mail."""

    proposal_id: str
    assignments: dict[str, str]


def user_id(session: Session, email: str) -> UUID:
    return session.exec(select(User).where(User.email == email)).one().id


def put_in_assignment(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> Proposal:
    """Submit the draft and take it, as screening and analysis would, to the assignment stage."""
    submitted = api.as_(committee["applicant"])("POST", f"/proposals/{draft['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    session.expire_all()
    proposal = session.get(Proposal, UUID(draft["id"]))
    assert proposal is not None
    proposal.committee_id = UUID(committee["committee_id"])
    for event in (Event.pass_screening, Event.complete_analysis):
        move(session=session, proposal=proposal, event=event, actor=Actor.system, actor_id=None)
    return proposal


def put_in_review(
    api: Api,
    session: Session,
    committee: dict[str, Any],
    draft: dict[str, Any],
    *,
    reviewers: int = 3,
    status: AssignmentStatus = AssignmentStatus.accepted,
) -> InReview:
    """Submit the draft, route it to the committee, assign reviewers and start the review."""
    proposal = put_in_assignment(api, session, committee, draft)
    emails = committee["reviewers"][:reviewers]
    assignments = {
        email: Assignment(
            proposal_id=proposal.id,
            reviewer_id=user_id(session, email),
            proposal_version=proposal.version,
            status=status,
        )
        for email in emails
    }
    session.add_all(assignments.values())
    move(
        session=session,
        proposal=proposal,
        event=Event.start_review,
        actor=Actor.system,
        actor_id=None,
        context=GuardContext(reviewers_assigned=reviewers, reviewers_needed=reviewers),
    )
    session.commit()
    return InReview(
        proposal_id=str(proposal.id),
        assignments={email: str(a.id) for email, a in assignments.items()},
    )


def full_review(
    score: int = 4,
    recommendation: str = "approve",
    confidence: int = 4,
    **extra: Any,
) -> dict[str, Any]:
    """A complete review body: every criterion of the default rubric scored `score`."""
    return {
        "scores": {c.key: score for c in DEFAULT_RUBRIC},
        "recommendation": recommendation,
        "confidence": confidence,
        **extra,
    }


def review(api: Api, email: str, assignment_id: str, body: dict[str, Any]) -> None:
    """Save and submit a review as the reviewer `email`."""
    call = api.as_(email)
    saved = call("PUT", f"/assignments/{assignment_id}/review", json=body)
    assert saved.status_code == 200, saved.text
    sent = call("POST", f"/assignments/{assignment_id}/review/submit")
    assert sent.status_code == 200, sent.text


def reach_deliberation(
    api: Api, session: Session, committee: dict[str, Any], staged: InReview
) -> None:
    """The first two reviewers (the default quorum) submit; the worker's check then runs."""
    first, second = committee["reviewers"][:2]
    review(
        api,
        first,
        staged.assignments[first],
        full_review(
            5,
            "approve",
            comments_for_applicant="Strong preclinical package.",
            confidential_comments="The CMC lead left last year.",
        ),
    )
    review(
        api,
        second,
        staged.assignments[second],
        full_review(
            3,
            "revise",
            comments_for_applicant="Clarify the batch release strategy.",
            confidential_comments="Budget looks inflated.",
        ),
    )
    session.expire_all()
    assert check_quorum(session=session, proposal_id=UUID(staged.proposal_id))
    session.commit()


def state_of(session: Session, proposal_id: str) -> str:
    """The proposal's state as stored now (after whatever the API committed)."""
    session.expire_all()
    return session.exec(select(Proposal.state).where(Proposal.id == UUID(proposal_id))).one()


def status_of(session: Session, assignment_id: str) -> str:
    """The assignment's status as stored now."""
    session.expire_all()
    return session.exec(select(Assignment.status).where(Assignment.id == UUID(assignment_id))).one()
