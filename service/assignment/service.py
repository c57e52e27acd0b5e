"""The assignment stage and the chair's tools, on top of the pure solver in this package.

The worker staffs every proposal waiting in a committee at once (a global optimum, not first
come); chairs preview a plan with the conflicts that excluded each reviewer, apply it or assign
by hand; declines and overdue reviews get a replacement with the current loads.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import func, insert, tuple_
from sqlmodel import Session, col, select

from service import policy
from service.assignment.conflicts import check_pair, explain_conflicts
from service.assignment.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentForChair,
    AssignmentPreview,
    AssignmentPublic,
    AssignmentStatus,
    BiddableProposal,
    BidRecord,
    ConflictRecord,
    ExcludedConflict,
    ExcludedReviewer,
    ProposedReviewer,
    ReviewerSummary,
)
from service.assignment.profiles import (
    Bid,
    Preference,
    ProposalProfile,
    RecordedConflict,
    ReviewerProfile,
)
from service.assignment.solver import AssignmentPlan, ProposedAssignment, plan_assignments
from service.auth.models import User
from service.committees.models import Committee, MemberRole
from service.committees.service import members
from service.config import get_settings
from service.db import skip_locked, utcnow
from service.errors import Conflict, InvalidInput, NotFound
from service.i18n import N_, Text
from service.notifications.service import Notice, notify, notify_all
from service.organisations.models import Organisation
from service.pagination import keyset, split_page
from service.proposals.models import Proposal
from service.workflow.moves import Move, move, move_all
from service.workflow.table import Actor, Event, GuardContext, State

# Statuses that hold a slot of the version's k reviewers (a submitted review keeps its slot).
_HOLDING = (*OPEN_STATUSES, AssignmentStatus.submitted)
# Proposals staffed per solver run; more wait for the next run of the stage.
BATCH_SIZE = 5000
# The task that fills the slots left by a decline or an overdue review (fill_vacancies).


@dataclass(frozen=True)
class Staffing:
    """What one run of the assignment stage did."""

    assigned: int
    moved_to_review: list[UUID]
    unstaffed: dict[UUID, str]


# --- profiles from the database -------------------------------------------------------------


def _reviewers(session: Session, committee: Committee) -> list[ReviewerProfile]:
    users = members(session=session, committee_id=committee.id, seat=MemberRole.reviewer)
    today = utcnow().date()
    ids = [u.id for u in users]
    loads = dict(
        session.exec(
            select(Assignment.reviewer_id, func.count())
            .where(col(Assignment.reviewer_id).in_(ids), col(Assignment.status).in_(OPEN_STATUSES))
            .group_by(col(Assignment.reviewer_id))
        ).all()
    )
    names = _organisation_names(session, {u.organisation_id for u in users if u.organisation_id})
    return [
        ReviewerProfile(
            id=u.id,
            email=u.email,
            organisation_id=u.organisation_id,
            expertise=" ".join([*u.expertise_keywords, u.expertise_profile]),
            areas=tuple(committee.therapeutic_areas),
            # Away today: no new invitation (its capacity counts as used up).
            capacity_remaining=0 if _away(u, today) else max(u.capacity - loads.get(u.id, 0), 0),
            organisation_name=names.get(u.organisation_id) if u.organisation_id else None,
            open_reviews=loads.get(u.id, 0),
            # The reviewer's standing conflicts: hard constraints, like declared ones.
            declared_conflicts=tuple(c.lower() for c in u.standing_conflicts),
        )
        for u in users
    ]


def _away(user: User, today: date) -> bool:
    """Whether today falls in one of the reviewer's declared unavailable periods."""
    return any(
        date.fromisoformat(str(p["start"])) <= today <= date.fromisoformat(str(p["end"]))
        for p in user.unavailable_periods
    )


def _organisation_names(session: Session, ids: Iterable[UUID]) -> dict[UUID, str]:
    rows = session.exec(select(Organisation).where(col(Organisation.id).in_(list(ids))))
    return {o.id: o.name for o in rows}


def _on_version(session: Session, proposals: Sequence[Proposal]) -> dict[UUID, list[Assignment]]:
    """Every assignment of each proposal's current version."""
    found: dict[UUID, list[Assignment]] = {p.id: [] for p in proposals}
    versions = {p.id: p.version for p in proposals}
    rows = session.exec(select(Assignment).where(col(Assignment.proposal_id).in_(list(versions))))
    for row in rows:
        if row.proposal_version == versions[row.proposal_id]:
            found[row.proposal_id].append(row)
    return found


@dataclass(frozen=True)
class _Applicants:
    """Applicant organisations and their people's e-mails, loaded once per batch."""

    organisations: dict[UUID, Organisation]
    emails: dict[UUID, list[str]]

    @classmethod
    def load(cls, session: Session, proposals: Sequence[Proposal]) -> "_Applicants":
        ids = list({p.organisation_id for p in proposals})
        organisations = {
            o.id: o for o in session.exec(select(Organisation).where(col(Organisation.id).in_(ids)))
        }
        emails: dict[UUID, list[str]] = {i: [] for i in ids}
        people = session.exec(
            select(User.organisation_id, User.email).where(col(User.organisation_id).in_(ids))
        )
        for organisation_id, email in people:
            emails[organisation_id].append(email)  # type: ignore[index]
        return cls(organisations, emails)


def _profile(
    proposal: Proposal,
    committee: Committee,
    current: list[Assignment],
    applicants: _Applicants,
) -> ProposalProfile:
    organisation = applicants.organisations[proposal.organisation_id]
    holding = [a for a in current if a.status in _HOLDING]
    return ProposalProfile(
        id=proposal.id,
        text=" ".join([proposal.title, proposal.summary, *proposal.keywords]),
        therapeutic_area=str(proposal.therapeutic_area),
        organisation_id=proposal.organisation_id,
        organisation_domains=tuple(organisation.email_domains),
        declared_conflicts=tuple(c.lower() for c in proposal.declared_conflicts),
        reviewers_needed=max(committee.reviewers_per_proposal - len(holding), 0),
        # Anyone who ever held a slot on this version (declined, replaced) is not asked again.
        already_assigned=tuple(a.reviewer_id for a in current),
        organisation_name=organisation.name,
        applicant_emails=tuple(applicants.emails[proposal.organisation_id]),
    )


def _bids(session: Session, proposals: Sequence[Proposal]) -> list[Bid]:
    rows = session.exec(
        select(BidRecord).where(col(BidRecord.proposal_id).in_([p.id for p in proposals]))
    )
    return [Bid(b.proposal_id, b.reviewer_id, b.preference) for b in rows]


def biddable(
    *, session: Session, user: User, cursor: str | None = None, limit: int
) -> tuple[list[BiddableProposal], str | None]:
    """A page of the proposals waiting in the caller's committees, oldest first, with its
    bids on them, and the cursor of the next page."""
    key = [(col(Proposal.created_at), True), (col(Proposal.id), True)]
    query = keyset(policy.biddable_proposals(user=user), key, cursor, [datetime, UUID], limit)
    proposals, next_cursor = split_page(
        session.exec(query).all(), limit, lambda p: (p.created_at, p.id)
    )
    mine = {
        b.proposal_id: b.preference
        for b in session.exec(
            select(BidRecord).where(
                BidRecord.reviewer_id == user.id,
                col(BidRecord.proposal_id).in_([p.id for p in proposals]),
            )
        )
    }
    return [
        BiddableProposal(
            proposal_id=p.id,
            title=p.title,
            summary=p.summary,
            therapeutic_area=str(p.therapeutic_area),
            state=p.state,
            preference=mine.get(p.id),
        )
        for p in proposals
    ], next_cursor


def bid(
    *, session: Session, user: User, proposal_id: UUID, preference: Preference
) -> BiddableProposal:
    """Record (or change) the caller's bid on a proposal waiting in its committee."""
    proposal = policy.biddable(session=session, user=user, proposal_id=proposal_id)
    record = session.exec(
        select(BidRecord).where(
            BidRecord.proposal_id == proposal.id, BidRecord.reviewer_id == user.id
        )
    ).first() or BidRecord(proposal_id=proposal.id, reviewer_id=user.id, preference=preference)
    record.preference = preference
    session.add(record)
    session.flush()
    return BiddableProposal(
        proposal_id=proposal.id,
        title=proposal.title,
        summary=proposal.summary,
        therapeutic_area=str(proposal.therapeutic_area),
        state=proposal.state,
        preference=preference,
    )


def _recorded(session: Session, reviewer_ids: Sequence[UUID]) -> list[RecordedConflict]:
    rows = session.exec(
        select(ConflictRecord).where(col(ConflictRecord.reviewer_id).in_(list(reviewer_ids)))
    )
    return [
        RecordedConflict(
            reviewer_id=r.reviewer_id,
            reason=r.reason,
            proposal_id=r.proposal_id,
            organisation_id=None if r.proposal_id else r.organisation_id,
        )
        for r in rows
        if r.proposal_id or r.organisation_id
    ]


# --- writing assignments --------------------------------------------------------------------


class _Invitations:
    """Assignments and their invitations, collected and then written in one go.

    A worker's batch collects the whole plan and writes it in one INSERT per table; a chair's
    request or a replacement does the same for one proposal.
    """

    def __init__(self, session: Session, users: dict[UUID, User] | None = None) -> None:
        self.session = session
        self.users = users  # the invited reviewers by id, if the caller has them loaded
        self.due = utcnow() + timedelta(days=get_settings().review_days)
        self.rows: list[dict[str, Any]] = []
        self.notices: list[Notice] = []

    def add(
        self, proposal: Proposal, chosen: Iterable[ProposedAssignment], assigned_by: UUID | None
    ) -> list[UUID]:
        """Invite the chosen reviewers to the proposal's version; the new assignments' ids."""
        chosen = list(chosen)
        if not chosen:
            return []
        ids = [uuid4() for _ in chosen]
        self.rows += [
            {
                "id": i,
                "proposal_id": proposal.id,
                "reviewer_id": c.reviewer_id,
                "proposal_version": proposal.version,
                "affinity": c.affinity,
                "explanation": c.explanation,
                "assigned_by": assigned_by,
                "due_at": self.due,
            }
            for i, c in zip(ids, chosen, strict=True)
        ]
        users = self.users
        if users is None:
            wanted = [c.reviewer_id for c in chosen]
            found = self.session.exec(select(User).where(col(User.id).in_(wanted)))
            users = {u.id: u for u in found}
        self.notices.append(
            Notice(
                event="assignment.invited",
                proposal=proposal,
                recipients=[users[c.reviewer_id] for c in chosen],
                subject=Text(N_("Review invitation: %(title)s"), {"title": proposal.title}),
                body=Text(
                    N_(
                        "You are invited to review '%(title)s' by %(due)s. Accept or decline "
                        "(declaring any conflict of interest) in the service."
                    ),
                    {"title": proposal.title, "due": f"{self.due:%Y-%m-%d}"},
                ),
                occurrence=str(proposal.version),
            )
        )
        return ids

    def write(self) -> None:
        """Store the collected assignments and invitations (Core: no ORM object per row)."""
        if self.rows:
            self.session.execute(insert(Assignment.__table__), self.rows)  # type: ignore[attr-defined]
        notify_all(session=self.session, notices=self.notices)
        self.rows, self.notices = [], []


def _start_review_if_staffed(
    session: Session,
    proposal: Proposal,
    committee: Committee,
    actor: Actor,
    actor_id: UUID | None,
    holding: int | None = None,
    moves: list[Move] | None = None,
) -> bool:
    """Open the review once the version holds k reviewers (`holding`, if the caller knows it).

    A batch passes `moves` to collect the moves and make them all at once.
    """
    if holding is None:
        holding = session.exec(
            select(func.count())
            .select_from(Assignment)
            .where(
                Assignment.proposal_id == proposal.id,
                Assignment.proposal_version == proposal.version,
                col(Assignment.status).in_(_HOLDING),
            )
        ).one()
    if proposal.state != State.assignment or holding < committee.reviewers_per_proposal:
        return False
    context = GuardContext(
        reviewers_assigned=holding, reviewers_needed=committee.reviewers_per_proposal
    )
    if moves is not None:
        moves.append(Move(proposal, Event.start_review, actor, actor_id, context=context))
        return True
    move(
        session=session,
        proposal=proposal,
        event=Event.start_review,
        actor=actor,
        actor_id=actor_id,
        context=context,
        # The chair's request needs its conflict now (409); a worker's surfaces at commit.
        flush=actor != Actor.system,
    )
    return True


# --- the worker's stage ---------------------------------------------------------------------


def staff_waiting(*, session: Session, committee_id: UUID) -> Staffing:
    """Staff every proposal of a committee waiting in `assignment`, in one global solve."""
    committee = session.get(Committee, committee_id)
    if committee is None:
        return Staffing(0, [], {})
    query = (
        select(Proposal)
        .where(Proposal.committee_id == committee_id, Proposal.state == State.assignment)
        .order_by(col(Proposal.state_entered_at))
        .limit(BATCH_SIZE)
    )
    # Concurrent runs take disjoint batches instead of staffing the same proposals twice.
    query = skip_locked(session, query, of=Proposal)
    proposals = list(session.exec(query))
    if not proposals:
        return Staffing(0, [], {})
    reviewers = _reviewers(session, committee)
    reviewer_users = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_([r.id for r in reviewers])))
    }
    recorded = _recorded(session, [r.id for r in reviewers])
    applicants = _Applicants.load(session, proposals)
    reinvited = _Invitations(session, reviewer_users)
    assigned = _reinvite_previous_reviewers(
        session, proposals, committee, reviewers, recorded, applicants, reinvited
    )
    if assigned:
        reinvited.write()  # the queries below must count the re-invited reviewers
        reviewers = _reviewers(session, committee)  # their loads changed
    current = _on_version(session, proposals)
    profiles = [_profile(p, committee, current[p.id], applicants) for p in proposals]
    plan = plan_assignments(profiles, reviewers, recorded, bids=_bids(session, proposals))
    by_proposal: dict[UUID, list[ProposedAssignment]] = {}
    for chosen in plan.assignments:
        by_proposal.setdefault(chosen.proposal_id, []).append(chosen)
    short = {u.proposal_id: u.reason for u in plan.unstaffed}
    moved: list[UUID] = []
    invitations = _Invitations(session, reviewer_users)
    starts: list[Move] = []
    for proposal, profile in zip(proposals, profiles, strict=True):
        invited = invitations.add(proposal, by_proposal.get(proposal.id, ()), None)
        assigned += len(invited)
        holding = committee.reviewers_per_proposal - profile.reviewers_needed + len(invited)
        if _start_review_if_staffed(
            session, proposal, committee, Actor.system, None, holding, starts
        ):
            moved.append(proposal.id)
        elif proposal.id in short:
            # Stays visible in the queue with the reason until reviewers free up.
            proposal.last_error = f"cannot be staffed: {short[proposal.id]}"
    invitations.write()
    move_all(session=session, moves=starts)
    return Staffing(assigned, moved, short)


def _chosen_without_solver(
    proposal: Proposal, reviewer_id: UUID, explanation: str
) -> ProposedAssignment:
    """A reviewer picked for a reason other than affinity (no score is claimed for it)."""
    return ProposedAssignment(
        proposal_id=proposal.id,
        reviewer_id=reviewer_id,
        affinity=0.0,
        area_match=True,
        rank=0,
        explanation=explanation,
    )


def _reinvite_previous_reviewers(
    session: Session,
    proposals: Sequence[Proposal],
    committee: Committee,
    reviewers: Sequence[ReviewerProfile],
    recorded: Sequence[RecordedConflict],
    applicants: _Applicants,
    invitations: _Invitations,
) -> int:
    """A revised version goes back to the reviewers of the last one where they are still free.

    Adds their invitations to `invitations`; returns how many.
    """
    revised = [p for p in proposals if p.version > 1]
    if not revised:
        return 0
    by_id = {r.id: r for r in reviewers}
    capacity = {r.id: r.capacity_remaining for r in reviewers}
    current = _on_version(session, revised)
    # Who reviewed each one's previous version, for the whole batch in one query.
    reviewed: dict[UUID, list[UUID]] = {p.id: [] for p in revised}
    for proposal_id, reviewer_id in session.exec(
        select(Assignment.proposal_id, Assignment.reviewer_id).where(
            tuple_(col(Assignment.proposal_id), col(Assignment.proposal_version)).in_(
                [(p.id, p.version - 1) for p in revised]
            ),
            Assignment.status == AssignmentStatus.submitted,
        )
    ):
        reviewed[proposal_id].append(reviewer_id)
    invited = 0
    for proposal in revised:
        earlier = reviewed[proposal.id]
        profile = _profile(proposal, committee, current[proposal.id], applicants)
        chosen = [
            _chosen_without_solver(
                proposal, reviewer_id, f"reviewed version {proposal.version - 1} of this proposal"
            )
            for reviewer_id in earlier
            if reviewer_id in by_id
            and capacity[reviewer_id] > 0
            and reviewer_id not in profile.already_assigned
            and not check_pair(profile, by_id[reviewer_id], recorded)
        ][: profile.reviewers_needed]
        for c in chosen:
            capacity[c.reviewer_id] -= 1
        invited += len(invitations.add(proposal, chosen, None))
    return invited


def fill_vacancies(*, session: Session, proposal_id: UUID) -> int:
    """Replace reviewers who declined or ran out of time, with the current loads."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.state not in (State.assignment, State.in_review):
        return 0
    committee = session.get(Committee, proposal.committee_id)
    if committee is None:
        return 0
    current = _on_version(session, [proposal])[proposal.id]
    profile = _profile(proposal, committee, current, _Applicants.load(session, [proposal]))
    if profile.reviewers_needed == 0:
        return 0
    reviewers = _reviewers(session, committee)
    plan = plan_assignments(
        [profile],
        reviewers,
        _recorded(session, [r.id for r in reviewers]),
        bids=_bids(session, [proposal]),
    )
    invitations = _Invitations(session)
    created = invitations.add(proposal, plan.assignments, None)
    invitations.write()
    if plan.unstaffed:
        proposal.last_error = f"cannot be staffed: {plan.unstaffed[0].reason}"
    _start_review_if_staffed(session, proposal, committee, Actor.system, None)
    return len(created)


# --- the chair's tools ----------------------------------------------------------------------


def _chaired(session: Session, user: User, proposal_id: UUID) -> tuple[Proposal, Committee]:
    proposal = policy.access(
        session=session, user=user, proposal_id=proposal_id, action=policy.Action.manage_reviewers
    ).proposal
    committee = session.get(Committee, proposal.committee_id)
    assert committee is not None
    return proposal, committee


def preview(*, session: Session, user: User, proposal_id: UUID) -> AssignmentPreview:
    """A dry run for one proposal: who the solver would choose and who is excluded, and why."""
    proposal, committee = _chaired(session, user, proposal_id)
    current = _on_version(session, [proposal])[proposal.id]
    profile = _profile(proposal, committee, current, _Applicants.load(session, [proposal]))
    reviewers = _reviewers(session, committee)
    recorded = _recorded(session, [r.id for r in reviewers])
    plan: AssignmentPlan = plan_assignments(
        [profile], reviewers, recorded, bids=_bids(session, [proposal])
    )
    emails = {r.id: r.email for r in reviewers}
    who = reviewer_summaries(session=session, ids=emails)
    return AssignmentPreview(
        proposal_id=proposal.id,
        reviewers_needed=profile.reviewers_needed,
        proposed=[
            ProposedReviewer(
                reviewer_id=a.reviewer_id,
                name=who[a.reviewer_id].name,
                open_reviews=who[a.reviewer_id].open_reviews,
                email=emails[a.reviewer_id],
                affinity=round(a.affinity, 4),
                area_match=a.area_match,
                explanation=a.explanation,
            )
            for a in plan.assignments
        ],
        excluded=[
            ExcludedReviewer(
                reviewer_id=rid,
                name=who[rid].name,
                open_reviews=who[rid].open_reviews,
                email=emails[rid],
                conflicts=[ExcludedConflict(reason=c.reason, detail=c.detail) for c in conflicts],
            )
            for rid, conflicts in explain_conflicts(profile, reviewers, recorded)
        ]
        + [
            ExcludedReviewer(
                reviewer_id=r.id,
                name=who[r.id].name,
                open_reviews=r.open_reviews,
                email=r.email,
                conflicts=[],
                at_capacity=True,
            )
            for r in reviewers
            if r.capacity_remaining == 0
        ],
        unstaffed_reason=plan.unstaffed[0].reason if plan.unstaffed else None,
    )


def assign_by_hand(
    *, session: Session, user: User, proposal_id: UUID, reviewer_ids: list[UUID]
) -> list[Assignment]:
    """The chair's assignment (or a preview applied as shown): every pair checked again."""
    proposal, committee = _chaired(session, user, proposal_id)
    if proposal.state not in (State.assignment, State.in_review):
        raise Conflict(
            f"reviewers are assigned in state assignment or in_review, not {proposal.state}"
        )
    if len(set(reviewer_ids)) != len(reviewer_ids):
        raise InvalidInput("reviewer_ids: a reviewer is listed twice", field="reviewer_ids")
    current = _on_version(session, [proposal])[proposal.id]
    profile = _profile(proposal, committee, current, _Applicants.load(session, [proposal]))
    reviewers = {r.id: r for r in _reviewers(session, committee)}
    recorded = _recorded(session, reviewer_ids)
    chosen = []
    for reviewer_id in reviewer_ids:
        reviewer = reviewers.get(reviewer_id)
        if reviewer is None:
            raise InvalidInput(
                f"reviewer_ids: {reviewer_id} is not a reviewer of this committee",
                field="reviewer_ids",
            )
        if reviewer_id in profile.already_assigned:
            raise Conflict(f"{reviewer.email} is already on this version of the proposal")
        conflicts = check_pair(profile, reviewer, recorded)
        if conflicts:
            raise Conflict(
                f"{reviewer.email} has a conflict of interest: "
                + "; ".join(c.detail for c in conflicts),
                reviewer_id=str(reviewer_id),
                conflicts=[c.reason for c in conflicts],
            )
        if reviewer.capacity_remaining <= 0:
            raise Conflict(
                f"{reviewer.email} is at capacity ({reviewer.open_reviews} open reviews)",
                reviewer_id=str(reviewer_id),
            )
        chosen.append(
            _chosen_without_solver(proposal, reviewer_id, f"assigned by the chair {user.email}")
        )
    invitations = _Invitations(session)
    created = invitations.add(proposal, chosen, user.id)
    invitations.write()
    _start_review_if_staffed(session, proposal, committee, Actor.chair, user.id)
    stored = {
        a.id: a for a in session.exec(select(Assignment).where(col(Assignment.id).in_(created)))
    }
    return [stored[i] for i in created]


def replace_reviewer(
    *, session: Session, user: User, assignment_id: UUID, reviewer_id: UUID
) -> Assignment:
    """The chair gives an open slot (invited or accepted) to a reviewer of its choosing.

    The old assignment becomes `replaced` and its reviewer is told; the new reviewer is checked
    like any reviewer assigned by hand (a conflict or a full reviewer answers 409 naming it),
    and if it is refused nothing changes.
    """
    assignment = session.exec(
        select(Assignment)
        .where(Assignment.id == assignment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if assignment is None:
        raise NotFound(f"assignment {assignment_id} not found")
    proposal, _ = _chaired(session, user, assignment.proposal_id)
    if assignment.status not in OPEN_STATUSES or assignment.proposal_version != proposal.version:
        raise Conflict(
            "only an open assignment (invited or accepted) of the current version can be "
            f"replaced; this one is {assignment.status} on version {assignment.proposal_version}",
            status=assignment.status,
        )
    if reviewer_id == assignment.reviewer_id:
        raise InvalidInput(
            "reviewer_id: this reviewer already holds the assignment", field="reviewer_id"
        )
    assignment.status = AssignmentStatus.replaced
    session.add(assignment)
    session.flush()
    created = assign_by_hand(
        session=session, user=user, proposal_id=proposal.id, reviewer_ids=[reviewer_id]
    )
    replaced = session.get(User, assignment.reviewer_id)
    assert replaced is not None, "a reviewer is never deleted"
    notify(
        session=session,
        event="assignment.replaced",
        proposal=proposal,
        recipients=[replaced],
        subject=Text(N_("Review no longer needed: %(title)s"), {"title": proposal.title}),
        body=Text(
            N_(
                "The chair has given your review of '%(title)s' to another reviewer. Nothing "
                "more is expected of you for it."
            ),
            {"title": proposal.title},
        ),
        occurrence=str(assignment.id),
    )
    return created[0]


def reviewer_summaries(*, session: Session, ids: Iterable[UUID]) -> dict[UUID, ReviewerSummary]:
    """Name, expertise and open load of each reviewer, in two queries."""
    wanted = list(set(ids))
    loads = dict(
        session.exec(
            select(Assignment.reviewer_id, func.count())
            .where(
                col(Assignment.reviewer_id).in_(wanted), col(Assignment.status).in_(OPEN_STATUSES)
            )
            .group_by(col(Assignment.reviewer_id))
        ).all()
    )
    return {
        u.id: ReviewerSummary(
            reviewer_id=u.id,
            name=u.full_name,
            email=u.email,
            expertise=list(u.expertise_keywords),
            open_reviews=loads.get(u.id, 0),
            capacity=u.capacity,
        )
        for u in session.exec(select(User).where(col(User.id).in_(wanted)))
    }


def list_for_chair(*, session: Session, user: User, proposal_id: UUID) -> list[AssignmentForChair]:
    """Every assignment of the proposal, all versions, with who each reviewer is."""
    proposal, _ = _chaired(session, user, proposal_id)
    rows = list(
        session.exec(
            select(Assignment)
            .where(Assignment.proposal_id == proposal.id)
            .order_by(col(Assignment.proposal_version), col(Assignment.created_at))
        )
    )
    who = reviewer_summaries(session=session, ids=[a.reviewer_id for a in rows])
    return [
        AssignmentForChair.model_validate(
            {**AssignmentPublic.model_validate(a).model_dump(), "reviewer": who[a.reviewer_id]}
        )
        for a in rows
    ]
