"""Putting a proposal where a review test needs it, the way the pipeline would."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlmodel import Session, select

from service.analysis.models import ProspectReportRecord
from service.assignment.models import Assignment, AssignmentStatus
from service.auth.models import User
from service.committees.models import DEFAULT_RUBRIC
from service.proposals.models import Proposal, Transition
from service.reviews.models import Decision, Outcome
from service.reviews.service import check_quorum
from service.workflow.moves import move
from service.workflow.table import Actor, Event, GuardContext, State
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


# --- a world with every standing towards one proposal -----------------------------------------

# Every kind of caller the access policy tells apart, by the name the table below uses.
ROLES = (
    "owner",
    "colleague",
    "rival",
    "unassigned",
    "invited",
    "accepted",
    "declined",
    "removed",
    "chair",
    "other_chair",
    "conflicted_chair",
    "admin",
    "anonymous",
)


@dataclass(frozen=True)
class World:
    """One proposal in review, with a caller of each role, by e-mail, and the ids routes take."""

    emails: dict[str, str]
    ids: dict[str, str]


def _person(session: Session, email: str, role: Any, organisation_id: Any = None) -> User:
    from tests.conftest import _password_hash

    person = User(
        email=email,
        full_name=email.split("@")[0].replace(".", " ").title(),
        role=role,
        organisation_id=organisation_id,
        password_hash=_password_hash(),
    )
    session.add(person)
    session.flush()
    return person


def build_world(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> World:
    """The `committee` fixture's people plus one of every other standing, around `draft`.

    The draft is submitted with an attachment, screened, analysed by the real analysis stage
    and put in review with an accepted, an invited, a declined and a removed reviewer; a second
    chair of the committee is named in the applicant's declared conflicts.
    """
    from service.analysis.service import run_analysis
    from service.auth.models import Role
    from service.committees.models import CommitteeCreate, CommitteeMembership, MemberRole
    from service.committees.service import create_committee
    from service.notifications.models import Webhook
    from service.reviews.models import Review
    from service.workflow.moves import StageJob

    organisation = UUID(committee["organisation_id"])
    board = UUID(committee["committee_id"])
    colleague = _person(session, "colleague@acme.example", Role.applicant, organisation)
    conflicted = _person(session, "conflicted.chair@committee.example", Role.chair)
    other_chair = _person(session, "other.chair@committee.example", Role.chair)
    extra = [
        _person(session, f"{name}@reviewers.example", Role.reviewer) for name in ("late", "gone")
    ]
    session.add(
        CommitteeMembership(committee_id=board, user_id=conflicted.id, role=MemberRole.chair)
    )
    session.add_all(
        CommitteeMembership(committee_id=board, user_id=r.id, role=MemberRole.reviewer)
        for r in extra
    )
    admin = session.exec(select(User).where(User.email == committee["admin"])).one()
    create_committee(
        session=session,
        admin=admin,
        data=CommitteeCreate(
            name="Other committee", therapeutic_areas=["oncology"], chair_ids=[other_chair.id]
        ),
    )
    hook = Webhook(
        organisation_id=organisation, url="https://hooks.acme.example/in", secret="whsec_x"
    )
    session.add(hook)
    session.commit()

    owner = api.as_(committee["applicant"])
    patched = owner(
        "PATCH", f"/proposals/{draft['id']}", json={"declared_conflicts": [conflicted.email]}
    )
    assert patched.status_code == 200, patched.text
    attached = owner(
        "POST",
        f"/proposals/{draft['id']}/attachments",
        files={"file": ("plan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
    )
    assert attached.status_code == 201, attached.text
    submitted = owner("POST", f"/proposals/{draft['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    session.expire_all()
    proposal = session.get(Proposal, UUID(draft["id"]))
    assert proposal is not None
    proposal.committee_id = board
    move(
        session=session,
        proposal=proposal,
        event=Event.pass_screening,
        actor=Actor.system,
        actor_id=None,
    )
    run_analysis(session=session, jobs=[StageJob(proposal.id, proposal.version)])
    first, second, third = committee["reviewers"]
    statuses = {
        first: AssignmentStatus.accepted,
        second: AssignmentStatus.invited,
        third: AssignmentStatus.declined,
        extra[1].email: AssignmentStatus.accepted,
    }
    assignments = {
        email: Assignment(
            proposal_id=proposal.id,
            reviewer_id=user_id(session, email),
            proposal_version=proposal.version,
            status=status,
        )
        for email, status in statuses.items()
    }
    session.add_all(assignments.values())
    move(
        session=session,
        proposal=proposal,
        event=Event.start_review,
        actor=Actor.system,
        actor_id=None,
        context=GuardContext(reviewers_assigned=3, reviewers_needed=3),
    )
    # The accepted reviewer has a draft: the review routes have an object to name.
    draft_review = Review(
        assignment_id=assignments[first].id,
        proposal_id=proposal.id,
        reviewer_id=assignments[first].reviewer_id,
        proposal_version=proposal.version,
    )
    session.add(draft_review)
    # The last reviewer leaves the committee after accepting.
    gone = select(CommitteeMembership).where(CommitteeMembership.user_id == extra[1].id)
    for seat in session.exec(gone):
        session.delete(seat)
    session.commit()
    attachment_id = attached.json()["id"]
    return World(
        emails={
            "owner": committee["applicant"],
            "colleague": colleague.email,
            "rival": committee["rival"],
            "unassigned": extra[0].email,
            "invited": second,
            "accepted": first,
            "declined": third,
            "removed": extra[1].email,
            "chair": committee["chair"],
            "other_chair": other_chair.email,
            "conflicted_chair": conflicted.email,
            "admin": committee["admin"],
        },
        ids={
            "proposal_id": draft["id"],
            "attachment_id": attachment_id,
            "assignment_id": str(assignments[first].id),
            "committee_id": committee["committee_id"],
            "webhook_id": str(hook.id),
            "unassigned_id": str(extra[0].id),
            "user_id": str(extra[0].id),
            "review_id": str(draft_review.id),
        },
    )


# The pipeline's states in order, and the event that leaves each (for staged histories).
_STAGED_PATH = (
    (State.screening, Event.submit),
    (State.analysis, Event.pass_screening),
    (State.assignment, Event.complete_analysis),
    (State.in_review, Event.start_review),
    (State.deliberation, Event.reach_quorum),
)
_DECIDING = {
    Outcome.approved: (State.approved, Event.approve),
    Outcome.rejected: (State.rejected, Event.reject),
    Outcome.revision_requested: (State.revision_requested, Event.request_revision),
}


def staged_proposal(
    session: Session,
    *,
    committee_id: UUID,
    organisation_id: UUID,
    created_by: UUID,
    decided_by: UUID,
    therapeutic_area: str,
    modality: str,
    start: datetime,
    stays: tuple[int, int, int, int, int],
    outcome: Outcome,
    bands: tuple[str, ...] = (),
) -> Proposal:
    """A decided proposal (version 1) with a known past: it entered screening at `start` and
    spent `stays` seconds in screening, analysis, assignment, review and deliberation; its
    decision is taken when deliberation ends. `bands` are its prospect reports, oldest first.
    """
    decided_state, deciding = _DECIDING[outcome]
    proposal = Proposal(
        title=f"Staged {therapeutic_area} {modality}",
        organisation_id=organisation_id,
        created_by=created_by,
        committee_id=committee_id,
        therapeutic_area=therapeutic_area,
        modality=modality,
        state=decided_state,
        version=1,
    )
    session.add(proposal)
    session.flush()
    moments = [start]
    for seconds in stays:
        moments.append(moments[-1] + timedelta(seconds=seconds))
    steps = [*_STAGED_PATH, (decided_state, deciding)]
    previous = State.draft
    for (state, event), at in zip(steps, moments, strict=True):
        session.add(
            Transition(
                proposal_id=proposal.id,
                from_state=previous,
                to_state=state,
                event=event,
                actor_role=Actor.system,
                proposal_version=1,
                created_at=at,
            )
        )
        previous = state
    for i, band in enumerate(bands):
        session.add(
            ProspectReportRecord(
                proposal_id=proposal.id,
                proposal_version=1,
                method_version=f"staged-{i}",
                band=band,
                report={},
                created_at=start + timedelta(seconds=stays[0] + i),
            )
        )
    session.add(
        Decision(
            proposal_id=proposal.id,
            proposal_version=1,
            outcome=outcome,
            rationale="staged",
            decided_by=decided_by,
            created_at=moments[-1],
        )
    )
    session.flush()
    return proposal


def second_committee(session: Session, admin_email: str) -> tuple[Any, User]:
    """An oncology committee beside the `committee` fixture's, with its own chair."""
    from service.auth.models import Role
    from service.committees.models import CommitteeCreate
    from service.committees.service import create_committee
    from tests.conftest import _password_hash

    admin = session.exec(select(User).where(User.email == admin_email)).one()
    chair = User(
        email="other.chair@committee.example",
        full_name="other chair",
        role=Role.chair,
        password_hash=_password_hash(),
    )
    session.add(chair)
    session.flush()
    board = create_committee(
        session=session,
        admin=admin,
        data=CommitteeCreate(
            name="Other committee", therapeutic_areas=["oncology"], chair_ids=[chair.id]
        ),
    )
    return board, chair
