"""The proposal workflow as one declarative table: pure Python, no I/O.

The API and the workers both ask this table whether a move is legal; nothing else decides.
Stage semantics are tags on the states, never substring matches on their names.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    draft = "draft"
    screening = "screening"
    returned = "returned"
    analysis = "analysis"
    assignment = "assignment"
    in_review = "in_review"
    applicant_response = "applicant_response"
    deliberation = "deliberation"
    revision_requested = "revision_requested"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"


class Tag(StrEnum):
    automated = "automated"  # a worker moves it on
    applicant_action = "applicant_action"  # waiting for the applicant; editable by it
    review = "review"  # committee members are working on it
    terminal = "terminal"  # nothing more happens


class Event(StrEnum):
    submit = "submit"
    resubmit = "resubmit"
    withdraw = "withdraw"
    pass_screening = "pass_screening"
    return_to_applicant = "return_to_applicant"
    complete_analysis = "complete_analysis"
    start_review = "start_review"
    reach_quorum = "reach_quorum"
    open_response = "open_response"
    respond = "respond"
    close_response = "close_response"
    approve = "approve"
    reject = "reject"
    request_revision = "request_revision"


class Actor(StrEnum):
    """Who may fire an event: the four roles plus the pipeline itself."""

    applicant = "applicant"
    reviewer = "reviewer"
    chair = "chair"
    admin = "admin"
    system = "system"


STATE_TAGS: dict[State, frozenset[Tag]] = {
    State.draft: frozenset({Tag.applicant_action}),
    State.screening: frozenset({Tag.automated}),
    State.returned: frozenset({Tag.applicant_action}),
    State.analysis: frozenset({Tag.automated}),
    State.assignment: frozenset({Tag.automated, Tag.review}),
    State.in_review: frozenset({Tag.review}),
    # The reviews are in; the applicant may answer them once before the chair deliberates.
    State.applicant_response: frozenset({Tag.review}),
    State.deliberation: frozenset({Tag.review}),
    State.revision_requested: frozenset({Tag.applicant_action}),
    State.approved: frozenset({Tag.terminal}),
    State.rejected: frozenset({Tag.terminal}),
    State.withdrawn: frozenset({Tag.terminal}),
}


@dataclass(frozen=True)
class GuardContext:
    """Facts a guard may need, gathered by the caller (the table itself reads nothing)."""

    reviewers_assigned: int = 0
    reviewers_needed: int = 0
    reviews_submitted: int = 0
    quorum: int = 0
    missing_fields: tuple[str, ...] = ()


# A guard answers None when the move may go ahead, or the reason it may not.
Guard = Callable[[GuardContext], str | None]


def _complete(ctx: GuardContext) -> str | None:
    if ctx.missing_fields:
        return "required fields are missing: " + ", ".join(ctx.missing_fields)
    return None


def _enough_reviewers(ctx: GuardContext) -> str | None:
    if ctx.reviewers_assigned < ctx.reviewers_needed:
        return f"{ctx.reviewers_assigned} of {ctx.reviewers_needed} reviewers assigned"
    return None


def _quorum(ctx: GuardContext) -> str | None:
    if ctx.reviews_submitted < ctx.quorum:
        return f"{ctx.reviews_submitted} of {ctx.quorum} reviews submitted (quorum)"
    return None


@dataclass(frozen=True)
class Transition:
    event: Event
    source: State
    target: State
    actors: frozenset[Actor]
    guard: Guard | None = field(default=None, compare=False)
    # A new frozen version of the proposal is taken when this move happens.
    snapshots: bool = False


_APPLICANT = frozenset({Actor.applicant})
_SYSTEM = frozenset({Actor.system})
_CHAIR = frozenset({Actor.chair})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Event.submit, State.draft, State.screening, _APPLICANT, _complete, snapshots=True),
    Transition(
        Event.resubmit, State.returned, State.screening, _APPLICANT, _complete, snapshots=True
    ),
    Transition(
        Event.resubmit,
        State.revision_requested,
        State.screening,
        _APPLICANT,
        _complete,
        snapshots=True,
    ),
    Transition(Event.pass_screening, State.screening, State.analysis, _SYSTEM),
    Transition(Event.return_to_applicant, State.screening, State.returned, _SYSTEM),
    Transition(Event.complete_analysis, State.analysis, State.assignment, _SYSTEM),
    Transition(
        Event.start_review,
        State.assignment,
        State.in_review,
        frozenset({Actor.system, Actor.chair}),
        _enough_reviewers,
    ),
    Transition(Event.reach_quorum, State.in_review, State.deliberation, _SYSTEM, _quorum),
    # With a response round (the committee's applicant_response_days > 0) the quorum opens
    # it instead; the applicant's answer, or the end of its time, opens deliberation.
    Transition(Event.open_response, State.in_review, State.applicant_response, _SYSTEM, _quorum),
    Transition(Event.respond, State.applicant_response, State.deliberation, _APPLICANT),
    Transition(Event.close_response, State.applicant_response, State.deliberation, _SYSTEM),
    Transition(Event.approve, State.deliberation, State.approved, _CHAIR),
    Transition(Event.reject, State.deliberation, State.rejected, _CHAIR),
    Transition(Event.request_revision, State.deliberation, State.revision_requested, _CHAIR),
    *(
        Transition(Event.withdraw, state, State.withdrawn, _APPLICANT)
        for state in State
        if Tag.terminal not in STATE_TAGS[state]
    ),
)

_BY_SOURCE_EVENT = {(t.source, t.event): t for t in TRANSITIONS}


class TransitionRefused(Exception):
    """The move is not legal now; `legal` lists the events the actor may fire instead."""

    def __init__(self, reason: str, legal: list[Event], missing: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.legal = legal
        self.missing = missing  # set when the refusal is required fields left empty


def has_tag(state: State | str, tag: Tag) -> bool:
    return tag in STATE_TAGS[State(state)]


def states_tagged(tag: Tag) -> list[State]:
    return [s for s in State if tag in STATE_TAGS[s]]


def legal_events(state: State | str, actor: Actor) -> list[Event]:
    """The events `actor` may fire from `state`, ignoring guards."""
    return [t.event for t in TRANSITIONS if t.source == state and actor in t.actors]


def decide(
    state: State | str, event: Event, actor: Actor, ctx: GuardContext | None = None
) -> Transition:
    """The transition `actor` fires with `event` from `state`, or TransitionRefused saying why."""
    state = State(state)
    transition = _BY_SOURCE_EVENT.get((state, event))
    legal = legal_events(state, actor)
    if transition is None:
        raise TransitionRefused(f"cannot {event} a proposal in state {state}", legal)
    if actor not in transition.actors:
        raise TransitionRefused(f"{actor} may not {event} a proposal in state {state}", legal)
    if transition.guard is not None:
        reason = transition.guard(ctx or GuardContext())
        if reason is not None:
            missing = ctx.missing_fields if ctx and transition.guard is _complete else ()
            raise TransitionRefused(f"cannot {event} yet: {reason}", legal, missing)
    return transition
