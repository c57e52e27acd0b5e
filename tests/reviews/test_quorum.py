"""The quorum of submitted reviews opens deliberation, once, with the aggregate stored."""

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel import Session, select

from service.db import get_engine
from service.notifications.models import Notification
from service.proposals.models import Transition
from service.reviews.models import ReviewAggregate
from service.reviews.service import check_quorum
from tests.conftest import Api
from tests.factories import (
    full_review,
    put_in_review,
    reach_deliberation,
    review,
    state_of,
    user_id,
)


def test_below_the_quorum_nothing_moves(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    review(api, reviewer, staged.assignments[reviewer], full_review())
    session.expire_all()
    assert check_quorum(session=session, proposal_id=UUID(staged.proposal_id)) is False
    session.commit()
    assert state_of(session, staged.proposal_id) == "in_review"
    assert session.exec(select(ReviewAggregate)).all() == []


def test_quorum_moves_proposal_to_deliberation_once(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    proposal_id = UUID(staged.proposal_id)

    # The worker may run the check again (a retry, the third review): nothing more happens.
    assert check_quorum(session=session, proposal_id=proposal_id) is False
    session.commit()

    assert state_of(session, staged.proposal_id) == "deliberation"
    moves = session.exec(
        select(Transition).where(
            Transition.proposal_id == proposal_id, Transition.to_state == "deliberation"
        )
    ).all()
    assert [(m.actor_role, m.actor_id) for m in moves] == [("system", None)]
    [stored] = session.exec(select(ReviewAggregate)).all()
    assert stored.proposal_version == 1
    assert stored.aggregate["reviews"] == 2
    overall: Any = stored.aggregate["overall"]
    assert overall["mean"] == 4  # all 5s and all 3s
    assert stored.aggregate["recommendations"] == {"approve": 1, "revise": 1, "reject": 0}


def test_chairs_are_told_the_proposal_awaits_their_decision(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    told = session.exec(
        select(Notification).where(Notification.event == "proposal.deliberation")
    ).all()
    assert [n.recipient_id for n in told] == [user_id(session, committee["chair"])]
    assert draft["title"] in told[0].subject


def test_chair_reads_the_aggregate_stored_at_the_quorum(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    body = api.as_(committee["chair"])("GET", f"/proposals/{staged.proposal_id}/reviews").json()
    assert body["aggregate_stored"] is True
    assert body["aggregate"]["reviews"] == 2
    assert body["proposal_version"] == 1


def _wait_until_someone_waits_on_a_lock(session: Session) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 10
    while session.execute(waiting).scalar_one() == 0:
        assert time.monotonic() < deadline, "the second worker never reached the lock"
        time.sleep(0.05)


def test_two_workers_checking_at_once_open_deliberation_once(
    api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft)
    for reviewer in committee["reviewers"][:2]:
        review(api, reviewer, staged.assignments[reviewer], full_review())
    proposal_id = UUID(staged.proposal_id)

    with Session(get_engine()) as first, Session(get_engine()) as second:
        assert check_quorum(session=first, proposal_id=proposal_id) is True
        with ThreadPoolExecutor(1) as pool:
            # Waits on the first worker's row lock, then finds the proposal already moved.
            racing = pool.submit(check_quorum, session=second, proposal_id=proposal_id)
            _wait_until_someone_waits_on_a_lock(session)
            first.commit()
            assert racing.result(timeout=30) is False
        second.commit()

    assert len(session.exec(select(ReviewAggregate)).all()) == 1
    told = session.exec(select(Notification).where(Notification.event == "proposal.deliberation"))
    assert len(told.all()) == 1
