"""The transition table on its own: legal moves, and illegal ones refused with the legal list."""

import pytest

from service.workflow.table import (
    STATE_TAGS,
    TRANSITIONS,
    Actor,
    Event,
    GuardContext,
    State,
    Tag,
    TransitionRefused,
    decide,
    legal_events,
    states_tagged,
)

READY = GuardContext(reviewers_assigned=3, reviewers_needed=3, reviews_submitted=2, quorum=2)

LEGAL = [
    (State.draft, Event.submit, Actor.applicant, State.screening),
    (State.screening, Event.pass_screening, Actor.system, State.analysis),
    (State.screening, Event.return_to_applicant, Actor.system, State.returned),
    (State.returned, Event.resubmit, Actor.applicant, State.screening),
    (State.analysis, Event.complete_analysis, Actor.system, State.assignment),
    (State.assignment, Event.start_review, Actor.system, State.in_review),
    (State.assignment, Event.start_review, Actor.chair, State.in_review),
    (State.in_review, Event.reach_quorum, Actor.system, State.deliberation),
    (State.in_review, Event.open_response, Actor.system, State.applicant_response),
    (State.applicant_response, Event.respond, Actor.applicant, State.deliberation),
    (State.applicant_response, Event.close_response, Actor.system, State.deliberation),
    (State.deliberation, Event.approve, Actor.chair, State.approved),
    (State.deliberation, Event.reject, Actor.chair, State.rejected),
    (State.deliberation, Event.request_revision, Actor.chair, State.revision_requested),
    (State.revision_requested, Event.resubmit, Actor.applicant, State.screening),
]


@pytest.mark.parametrize(("source", "event", "actor", "target"), LEGAL)
def test_legal_move_reaches_its_target(
    source: State, event: Event, actor: Actor, target: State
) -> None:
    assert decide(source, event, actor, READY).target == target


def test_table_has_exactly_the_designed_moves() -> None:
    withdrawals = {(t.source, t.event) for t in TRANSITIONS if t.event == Event.withdraw}
    others = {(t.source, t.event) for t in TRANSITIONS if t.event != Event.withdraw}
    assert others == {(s, e) for s, e, _, _ in LEGAL}
    assert withdrawals == {(s, Event.withdraw) for s in State if Tag.terminal not in STATE_TAGS[s]}


@pytest.mark.parametrize("state", [s for s in State if Tag.terminal not in STATE_TAGS[s]])
def test_applicant_may_withdraw_from_every_open_state(state: State) -> None:
    assert decide(state, Event.withdraw, Actor.applicant).target == State.withdrawn


@pytest.mark.parametrize("state", states_tagged(Tag.terminal))
def test_terminal_states_allow_nothing(state: State) -> None:
    for actor in Actor:
        assert legal_events(state, actor) == []
    with pytest.raises(TransitionRefused):
        decide(state, Event.withdraw, Actor.applicant)


ILLEGAL = [
    (s, e, a)
    for s in State
    for e in Event
    for a in Actor
    if not any(t.source == s and t.event == e and a in t.actors for t in TRANSITIONS)
]


@pytest.mark.parametrize(("source", "event", "actor"), ILLEGAL)
def test_illegal_move_is_refused_with_the_legal_ones(
    source: State, event: Event, actor: Actor
) -> None:
    with pytest.raises(TransitionRefused) as refused:
        decide(source, event, actor, READY)
    assert refused.value.legal == legal_events(source, actor)


def test_submit_refused_while_fields_are_missing() -> None:
    with pytest.raises(TransitionRefused, match="summary, phase"):
        decide(
            State.draft,
            Event.submit,
            Actor.applicant,
            GuardContext(missing_fields=("summary", "phase")),
        )


def test_review_cannot_start_before_enough_reviewers() -> None:
    with pytest.raises(TransitionRefused, match="2 of 3 reviewers"):
        decide(
            State.assignment,
            Event.start_review,
            Actor.system,
            GuardContext(reviewers_assigned=2, reviewers_needed=3),
        )


def test_deliberation_waits_for_the_quorum() -> None:
    with pytest.raises(TransitionRefused, match="1 of 2 reviews"):
        decide(
            State.in_review,
            Event.reach_quorum,
            Actor.system,
            GuardContext(reviews_submitted=1, quorum=2),
        )


def test_the_response_round_also_waits_for_the_quorum() -> None:
    with pytest.raises(TransitionRefused, match="1 of 2 reviews"):
        decide(
            State.in_review,
            Event.open_response,
            Actor.system,
            GuardContext(reviews_submitted=1, quorum=2),
        )


def test_only_the_applicant_answers_in_the_response_round() -> None:
    for actor in (Actor.reviewer, Actor.chair, Actor.admin):
        with pytest.raises(TransitionRefused):
            decide(State.applicant_response, Event.respond, actor)


def test_every_state_has_tags_and_snapshots_happen_only_on_submission() -> None:
    assert set(STATE_TAGS) == set(State)
    assert all(STATE_TAGS[s] for s in State)
    assert {t.event for t in TRANSITIONS if t.snapshots} == {Event.submit, Event.resubmit}
