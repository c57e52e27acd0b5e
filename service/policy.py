"""Who may see and do what: every access rule of the service, in one place.

The API's routes, the workers and the web pages all ask this module; no rule is written
anywhere else. A caller's relation to a proposal is its `Standing`, worked out once per
request from the role, the organisation, the committee seats, the assignments and the
conflicts of interest; what each standing may do is a table (`_MAY`). Objects are checked, not
only routes (OWASP API1): a proposal the caller may not know exists answers 404, one it may see
but not act on answers 403.
"""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from sqlalchemy import ColumnElement, and_, exists, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from service.assignment.conflicts import check_pair
from service.assignment.models import Assignment, AssignmentStatus
from service.assignment.profiles import ProposalProfile, ReviewerProfile
from service.auth.models import Role, User
from service.committees.models import Committee, CommitteeMembership, MemberRole
from service.errors import Forbidden, NotFound
from service.organisations.models import Organisation
from service.proposals.models import Proposal, ProposalPublic, Transition, TransitionPublic
from service.workflow.table import Actor, Event, State


class Standing(StrEnum):
    """A user's relation to one proposal, from the least to the most it may see."""

    stranger = "stranger"  # may not know it exists (also: declined, replaced, removed)
    invited = "invited"  # invited to review: title and summary, to accept or decline
    reviewer = "reviewer"  # accepted: the proposal, its attachments and the full analysis
    reviewed = "reviewed"  # submitted its review: also the others' reviews
    owner = "owner"  # an applicant of the proposal's organisation
    chair = "chair"  # a chair of its committee with no conflict of interest with it
    admin = "admin"


class Action(StrEnum):
    """What one may do with a proposal."""

    know = "know"  # know it exists: 403 rather than 404 for what follows
    read = "read"  # the proposal's fields, history and the analysis meant for the standing
    read_documents = "read_documents"  # the attachments
    read_analysis_report = "read_analysis_report"  # the committee's full prospect analysis
    edit = "edit"  # change, attach, submit, withdraw (the table says when)
    read_reviews = "read_reviews"  # the reviews and their aggregate
    read_decision_rationale = "read_decision_rationale"
    read_declared_conflicts = "read_declared_conflicts"  # the applicant's list of rivals
    read_people = "read_people"  # who did what (history actors, reviewer identities)
    manage_reviewers = "manage_reviewers"  # preview, assign by hand, list assignments
    decide = "decide"  # also: the meta-review
    discuss = "discuss"  # read and write the committee's discussion
    read_discussion = "read_discussion"
    respond = "respond"  # the applicant's one answer to the reviews
    redrive = "redrive"
    reanalyse = "reanalyse"


_EVERYONE_WHO_KNOWS = {Action.know, Action.read}
_COMMITTEE_READING = {
    *_EVERYONE_WHO_KNOWS,
    Action.read_documents,
    Action.read_analysis_report,
    Action.read_people,
    Action.read_decision_rationale,
}

# The policy itself: what each standing may do.
_MAY: dict[Standing, frozenset[Action]] = {
    Standing.stranger: frozenset(),
    # To decide whether to accept, an invited reviewer sees the title and the summary only
    # (its assignment carries them); the proposal itself waits for the acceptance.
    Standing.invited: frozenset({Action.know}),
    Standing.reviewer: frozenset(_COMMITTEE_READING),
    # Once its own review is in: the others' reviews and the discussion.
    Standing.reviewed: frozenset(
        {*_COMMITTEE_READING, Action.read_reviews, Action.discuss, Action.read_discussion}
    ),
    Standing.owner: frozenset(
        {
            *_EVERYONE_WHO_KNOWS,
            Action.read_documents,
            Action.edit,
            Action.read_declared_conflicts,
            Action.respond,
        }
    ),
    Standing.chair: frozenset(
        {
            *_COMMITTEE_READING,
            Action.read_reviews,
            Action.read_declared_conflicts,
            Action.manage_reviewers,
            Action.decide,
            Action.discuss,
            Action.read_discussion,
        }
    ),
    # Admins run the service: they see everything but neither review nor decide.
    Standing.admin: frozenset(
        {
            *_COMMITTEE_READING,
            Action.read_reviews,
            Action.read_declared_conflicts,
            Action.read_discussion,
            Action.redrive,
            Action.reanalyse,
        }
    ),
}

_REFUSAL = {
    Action.read: "accept the invitation to read the proposal",
    Action.read_documents: "accept the invitation to read the proposal's documents",
    Action.edit: "only the applicant organisation may change its proposal",
    Action.read_reviews: "reviews are for the committee; a reviewer reads the others' reviews "
    "after submitting its own, applicants read the decision's comments for applicants",
    Action.manage_reviewers: "only a chair of the proposal's committee may manage its reviewers",
    Action.decide: "only a chair of the proposal's committee, free of conflicts, decides it",
    Action.discuss: "the discussion is for the chair and the reviewers who submitted a review",
    Action.read_discussion: "the discussion is for the committee",
    Action.respond: "only the applicant organisation answers the reviews",
    Action.redrive: "only administrators re-drive a stage",
    Action.reanalyse: "only administrators re-run the analysis",
}


def may(standing: Standing, action: Action) -> bool:
    return action in _MAY[standing]


@dataclass(frozen=True)
class Access:
    """A proposal and the caller's standing towards it."""

    proposal: Proposal
    standing: Standing

    def may(self, action: Action) -> bool:
        return may(self.standing, action)


# --- working out a standing -------------------------------------------------------------------


def _seats(session: Session, user: User, committee_id: UUID) -> set[MemberRole]:
    rows = session.exec(
        select(CommitteeMembership.role).where(
            CommitteeMembership.committee_id == committee_id,
            CommitteeMembership.user_id == user.id,
        )
    )
    return {MemberRole(r) for r in rows}


def chair_in_conflict(*, session: Session, chair: User, proposal: Proposal) -> bool:
    """Whether the chair has a conflict of interest with the proposal, by the reviewers' rules.

    The same rules as for reviewers (same organisation or e-mail domain, named in the
    applicant's declared conflicts or the chair's own standing conflicts): a conflicted chair is
    a stranger to the proposal and another chair of the committee acts.
    """
    organisation = session.get(Organisation, proposal.organisation_id)
    applicant_emails = session.exec(
        select(User.email).where(User.organisation_id == proposal.organisation_id)
    ).all()
    chair_organisation = (
        session.get(Organisation, chair.organisation_id) if chair.organisation_id else None
    )
    conflicts = check_pair(
        ProposalProfile(
            id=proposal.id,
            text="",
            therapeutic_area=str(proposal.therapeutic_area),
            organisation_id=proposal.organisation_id,
            organisation_domains=tuple(organisation.email_domains) if organisation else (),
            declared_conflicts=tuple(c.lower() for c in proposal.declared_conflicts),
            reviewers_needed=0,
            organisation_name=organisation.name if organisation else None,
            applicant_emails=tuple(applicant_emails),
        ),
        ReviewerProfile(
            id=chair.id,
            email=chair.email,
            organisation_id=chair.organisation_id,
            expertise="",
            areas=(),
            capacity_remaining=0,
            declared_conflicts=tuple(c.lower() for c in chair.standing_conflicts),
            organisation_name=chair_organisation.name if chair_organisation else None,
        ),
    )
    return bool(conflicts)


def _reviewer_standing(session: Session, user: User, proposal: Proposal) -> Standing:
    """A committee member's standing from its assignments on the proposal (any version).

    A reviewer who left the committee, or whose every assignment was declined or replaced,
    is a stranger again.
    """
    # One read of the reviewer's assignments on the proposal, every version.
    held = session.exec(
        select(Assignment.status, Assignment.proposal_version).where(
            Assignment.proposal_id == proposal.id, Assignment.reviewer_id == user.id
        )
    ).all()
    statuses = {status for status, _ in held}
    if not statuses or proposal.committee_id is None:
        return Standing.stranger
    if MemberRole.reviewer not in _seats(session, user, proposal.committee_id):
        return Standing.stranger
    if (AssignmentStatus.submitted, proposal.version) in set(held):
        return Standing.reviewed
    if AssignmentStatus.accepted in statuses or AssignmentStatus.submitted in statuses:
        return Standing.reviewer
    if AssignmentStatus.invited in statuses:
        return Standing.invited
    return Standing.stranger


def standing(*, session: Session, user: User, proposal: Proposal) -> Standing:
    """The caller's relation to the proposal (see `Standing`)."""
    match user.role:
        case Role.admin:
            return Standing.admin
        case Role.applicant:
            mine = user.organisation_id is not None and user.organisation_id == (
                proposal.organisation_id
            )
            return Standing.owner if mine else Standing.stranger
    if (
        proposal.committee_id is not None
        and user.role == Role.chair
        and MemberRole.chair in _seats(session, user, proposal.committee_id)
        and not chair_in_conflict(session=session, chair=user, proposal=proposal)
    ):
        return Standing.chair
    return _reviewer_standing(session, user, proposal)


def access(*, session: Session, user: User, proposal_id: UUID, action: Action) -> Access:
    """The proposal and the caller's standing, if the caller may do `action` with it.

    NotFound when the caller may not know the proposal exists, Forbidden when it may but not
    do this.
    """
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"proposal {proposal_id} not found")
    found = Access(proposal, standing(session=session, user=user, proposal=proposal))
    if found.may(action):
        return found
    if not found.may(Action.know):
        raise NotFound(f"proposal {proposal_id} not found")
    if found.standing == Standing.reviewer and action == Action.read_reviews:
        raise Forbidden(
            f"submit your own review of version {proposal.version} before reading the others'"
        )
    raise Forbidden(_REFUSAL.get(action, f"not allowed: {action}"))


def reviews_readable(
    *, session: Session, user: User, proposal_id: UUID, version: int | None
) -> tuple[Proposal, int]:
    """The proposal and the version whose reviews the caller may read (the current one if
    None): its chair and admins any round's, a reviewer a round it submitted its review in."""
    found = access(session=session, user=user, proposal_id=proposal_id, action=Action.read)
    proposal = found.proposal
    wanted = proposal.version if version is None else version
    if found.standing in (Standing.chair, Standing.admin):
        return proposal, wanted
    if found.standing in (Standing.reviewer, Standing.reviewed):
        own = session.exec(
            select(Assignment.status).where(
                Assignment.proposal_id == proposal.id,
                Assignment.reviewer_id == user.id,
                Assignment.proposal_version == wanted,
            )
        ).first()
        if own == AssignmentStatus.submitted:
            return proposal, wanted
        raise Forbidden(f"submit your own review of version {wanted} before reading the others'")
    raise Forbidden(_REFUSAL[Action.read_reviews])


def readable(*, session: Session, user: User, proposal_id: UUID) -> Proposal:
    """The proposal, if the caller may read it."""
    return access(session=session, user=user, proposal_id=proposal_id, action=Action.read).proposal


def readable_proposals(*, user: User) -> SelectOfScalar[Proposal]:
    """The proposals `user` may read, as a query to refine (lists, exports, counts).

    For chairs the query includes every proposal of their committees; `standing` then leaves
    out the few they are in conflict with (a conflict is decided by rules on names and
    domains, not by a column).
    """
    query = select(Proposal)
    match user.role:
        case Role.admin:
            return query
        case Role.applicant:
            return query.where(Proposal.organisation_id == user.organisation_id)
    seat = CommitteeMembership

    def holds(role: MemberRole) -> ColumnElement[bool]:
        return exists().where(
            col(seat.committee_id) == col(Proposal.committee_id),
            col(seat.user_id) == user.id,
            col(seat.role) == role,
        )

    # A reviewer reads what it accepted or reviewed, while it still sits on the committee.
    reviewing = and_(
        exists().where(
            col(Assignment.proposal_id) == col(Proposal.id),
            col(Assignment.reviewer_id) == user.id,
            col(Assignment.status).in_((AssignmentStatus.accepted, AssignmentStatus.submitted)),
        ),
        holds(MemberRole.reviewer),
    )
    if user.role == Role.chair:
        return query.where(or_(holds(MemberRole.chair), reviewing))
    return query.where(reviewing)


def readable_page(*, session: Session, user: User, proposals: list[Proposal]) -> list[Access]:
    """The rows of `readable_proposals` with the caller's standing, less a chair's conflicts.

    The query already holds each row to the rules; only a chair's standing needs working out
    row by row (a committee's proposal, or one it reviews elsewhere, or one it is in conflict
    with).
    """
    by_role = {Role.admin: Standing.admin, Role.applicant: Standing.owner}
    if user.role in by_role:
        return [Access(p, by_role[user.role]) for p in proposals]
    if user.role == Role.reviewer:
        return [Access(p, Standing.reviewer) for p in proposals]
    found = [Access(p, standing(session=session, user=user, proposal=p)) for p in proposals]
    return [a for a in found if a.may(Action.read)]


def permitted_ids(
    *, session: Session, user: User, proposal_ids: list[UUID], action: Action
) -> set[UUID]:
    """Of `proposal_ids` (rows of `readable_proposals`), those on which `user` may do `action`.

    For the bulk readers (exports) that select columns, not proposals: only a chair's standing
    is worked out row by row (see `readable_page`), so only a chair's rows are loaded whole.
    """
    if user.role != Role.chair:
        sure = {Role.admin: Standing.admin, Role.applicant: Standing.owner}
        return set(proposal_ids) if may(sure.get(user.role, Standing.reviewer), action) else set()
    loaded = list(session.exec(select(Proposal).where(col(Proposal.id).in_(proposal_ids))))
    found = readable_page(session=session, user=user, proposals=loaded)
    return {a.proposal.id for a in found if a.may(action)}


def shown_fields(found: Access, public: ProposalPublic) -> ProposalPublic:
    """The proposal as the caller may see it: the applicant's declared rivals only to those
    who act on them (the applicant, the chair, admins), never to reviewers."""
    if found.may(Action.read_declared_conflicts):
        return public
    return public.model_copy(update={"declared_conflicts": []})


_STEPS = frozenset(Event)
# Events whose reason is written for the applicant (its own steps, screening's problems, the
# decision); the others' reasons are the committee's working notes.
_REASONS_FOR_APPLICANTS = {
    Event.submit,
    Event.resubmit,
    Event.withdraw,
    Event.respond,
    Event.return_to_applicant,
    Event.approve,
    Event.reject,
    Event.request_revision,
}


def shown_history(found: Access, rows: list[Transition]) -> list[TransitionPublic]:
    """A proposal's history as the caller may read it.

    The committee and admins read it whole. The applicant reads what happened in words meant
    for it: no committee member's or admin's identity, no internal error, no admin re-drive.
    """
    public = [TransitionPublic.model_validate(t) for t in rows]
    if found.may(Action.read_people):
        return public
    shown = []
    for row in public:
        if row.event not in _STEPS:
            continue  # an operator's action (a re-drive), not a step of the proposal
        if row.actor_role != Actor.applicant:
            row.actor_id = None
        if row.event not in _REASONS_FOR_APPLICANTS:
            row.reason = ""
        shown.append(row)
    return shown


def chairs_free_of_conflict(
    *, session: Session, proposal: Proposal, chairs: list[User]
) -> list[User]:
    """The chairs who may act on the proposal: those with no conflict of interest with it."""
    return [c for c in chairs if not chair_in_conflict(session=session, chair=c, proposal=proposal)]


# Before a round: proposals routed to a committee and not yet staffed.
BIDDING_STATES = (State.analysis, State.assignment)


def biddable_proposals(*, user: User) -> SelectOfScalar[Proposal]:
    """The proposals waiting in the committees where `user` holds a reviewer's seat."""
    return select(Proposal).where(
        col(Proposal.state).in_(BIDDING_STATES),
        exists().where(
            col(CommitteeMembership.committee_id) == col(Proposal.committee_id),
            col(CommitteeMembership.user_id) == user.id,
            col(CommitteeMembership.role) == MemberRole.reviewer,
        ),
    )


def biddable(*, session: Session, user: User, proposal_id: UUID) -> Proposal:
    """The proposal, if the caller may bid on it now; NotFound when it may not know it."""
    proposal = session.exec(
        biddable_proposals(user=user).where(col(Proposal.id) == proposal_id)
    ).first()
    if proposal is None:
        raise NotFound(f"proposal {proposal_id} not found among those open for bids")
    return proposal


# --- other objects ----------------------------------------------------------------------------


def own_assignment(*, session: Session, user: User, assignment: Assignment | None) -> Assignment:
    """The caller's own assignment: chairs of the committee and admins get 403, others 404."""
    if assignment is None:
        raise NotFound("assignment not found")
    if assignment.reviewer_id == user.id:
        return assignment
    proposal = session.get(Proposal, assignment.proposal_id)
    if proposal is not None and standing(session=session, user=user, proposal=proposal) in (
        Standing.admin,
        Standing.chair,
    ):
        raise Forbidden("only the assigned reviewer may act on an assignment")
    raise NotFound(f"assignment {assignment.id} not found")


def committee_readable(*, session: Session, user: User, committee_id: UUID) -> bool:
    """Admins and the committee's own members (chairs and reviewers) may read a committee."""
    if user.role == Role.admin:
        return True
    return bool(_seats(session, user, committee_id))


def committee_chaired(*, session: Session, user: User, committee_id: UUID) -> None:
    """Admins and the committee's chairs pass; its other members 403, anyone else 404."""
    if user.role == Role.admin:
        return
    seats = _seats(session, user, committee_id)
    if MemberRole.chair in seats:
        return
    if seats:
        raise Forbidden("only the committee's chairs and admins read its reviewers' signals")
    raise NotFound(f"no committee {committee_id}")


def statistics_committees(
    *, session: Session, user: User, committee_id: UUID | None
) -> list[UUID] | None:
    """The committees whose statistics (and committee-wide exports) `user` may read.

    None means every committee (an admin asking for no one committee). Admins read any
    committee's, chairs only those they chair (another committee answers 404, as one they may
    not know); reviewers and applicants 403.
    """
    if user.role == Role.admin:
        if committee_id is None:
            return None
        if session.get(Committee, committee_id) is None:
            raise NotFound(f"no committee {committee_id}")
        return [committee_id]
    if user.role != Role.chair:
        raise Forbidden("only administrators and committee chairs read statistics")
    chaired = list(
        session.exec(
            select(CommitteeMembership.committee_id).where(
                CommitteeMembership.user_id == user.id,
                CommitteeMembership.role == MemberRole.chair,
            )
        )
    )
    if committee_id is None:
        return chaired
    if committee_id not in chaired:
        raise NotFound(f"no committee {committee_id}")
    return [committee_id]


def require_admin(user: User) -> None:
    if user.role != Role.admin:
        raise Forbidden("only administrators may do this")


def require_committee_member(user: User) -> None:
    if user.role not in (Role.reviewer, Role.chair):
        raise Forbidden("only committee members have review assignments")


# The events an applicant organisation hears of (by e-mail and on its webhooks); the rest
# (invitations, reminders, deliberation, escalations) are the committee's business.
APPLICANT_EVENTS = frozenset({"proposal.returned", "proposal.response_open", "proposal.decided"})


def webhook_scope(user: User) -> UUID | None:
    """Whose webhooks the caller manages: its organisation's (applicants) or all (admins)."""
    if user.role == Role.admin:
        return None
    return applicant_organisation(user, "and administrators manage webhooks")


def applicant_organisation(user: User, what: str) -> UUID:
    """The caller's organisation, if it is an applicant: only applicants may `what`."""
    if user.role != Role.applicant or user.organisation_id is None:
        raise Forbidden(f"only applicants {what}")
    return user.organisation_id
