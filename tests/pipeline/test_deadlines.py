"""The deadline scan: re-drives stuck stages, reminds and replaces reviewers, escalates."""

from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.assignment.models import Assignment, AssignmentStatus
from service.assignment.service import fill_vacancies
from service.auth.models import User
from service.db import utcnow
from service.jobs import Job
from service.notifications.models import Notification
from service.notifications.service import notify
from service.outbox.models import OutboxMessage
from service.proposals.models import Proposal
from service.workflow.deadlines import scan_deadlines
from service.workflow.moves import move
from service.workflow.table import Actor, Event, GuardContext
from tests.conftest import Api
from tests.factories import put_in_assignment, put_in_review, user_id


def _jobs(session: Session, task: str) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.task == task)))


def _events(session: Session, event: str) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.event == event)))


def _submitted_long_ago(api: Api, session: Session, committee: dict, draft: dict) -> None:
    api.as_(committee["applicant"])("POST", f"/proposals/{draft['id']}/submit")
    session.expire_all()
    proposal = session.get(Proposal, UUID(draft["id"]))
    assert proposal is not None
    long_ago = utcnow() - timedelta(hours=2)
    proposal.state_entered_at = long_ago
    session.commit()
    # A plain UPDATE: the ORM would stamp updated_at with the current time.
    session.execute(
        update(Proposal).where(col(Proposal.id) == proposal.id).values(updated_at=long_ago)
    )
    session.commit()


def test_stage_past_its_sla_is_redriven_once_per_sla(
    api: Api, session: Session, committee: dict, draft: dict, broker: Any
) -> None:
    _submitted_long_ago(api, session, committee, draft)
    broker.flushdb()  # the broker lost the job
    assert scan_deadlines(session=session)["redriven"] == 1
    session.commit()
    assert scan_deadlines(session=session)["redriven"] == 0  # it waits a full SLA again
    session.commit()
    assert len(_jobs(session, Job.screening)) == 2  # the submit's job and the re-drive


def test_stage_never_started_is_not_redriven_while_jobs_wait_in_the_broker(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    # The submit's job waits in the broker behind a backlog: sending it again duplicates work.
    _submitted_long_ago(api, session, committee, draft)
    assert scan_deadlines(session=session)["redriven"] == 0
    assert len(_jobs(session, Job.screening)) == 1


def test_reviewer_is_reminded_once_before_the_due_date(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    first = session.get(Assignment, UUID(staged.assignments[committee["reviewers"][0]]))
    assert first is not None
    first.due_at = utcnow() + timedelta(hours=1)
    session.commit()
    assert scan_deadlines(session=session)["reminded"] == 1
    session.commit()
    assert scan_deadlines(session=session)["reminded"] == 0
    session.commit()
    [reminder] = _events(session, "review.reminder")
    assert reminder.address == committee["reviewers"][0]


def test_overdue_reviewer_is_replaced_by_a_free_one(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft, reviewers=2)
    late = session.get(Assignment, UUID(staged.assignments[committee["reviewers"][0]]))
    assert late is not None
    late.due_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert scan_deadlines(session=session)["replaced"] == 1
    session.commit()
    assert [j.payload["proposal_id"] for j in _jobs(session, Job.replace_reviewers)] == [
        staged.proposal_id
    ]
    fill_vacancies(session=session, proposal_id=UUID(staged.proposal_id))
    session.commit()
    on_it = {
        a.reviewer_id: a.status
        for a in session.exec(
            select(Assignment).where(col(Assignment.proposal_id) == UUID(staged.proposal_id))
        )
    }
    assert on_it[user_id(session, committee["reviewers"][0])] == AssignmentStatus.replaced
    assert on_it[user_id(session, committee["reviewers"][2])] == AssignmentStatus.invited


def test_late_decision_is_escalated_to_the_chair_once(
    api: Api, session: Session, committee: dict[str, Any], draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    proposal = session.get(Proposal, UUID(staged.proposal_id))
    assert proposal is not None
    move(
        session=session,
        proposal=proposal,
        event=Event.reach_quorum,
        actor=Actor.system,
        actor_id=None,
        context=GuardContext(reviews_submitted=2, quorum=2),
    )
    proposal.state_entered_at = utcnow() - timedelta(days=8)
    session.commit()
    assert scan_deadlines(session=session)["escalated"] == 1
    session.commit()
    assert scan_deadlines(session=session)["escalated"] == 0
    session.commit()
    [escalation] = _events(session, "deliberation.overdue")
    assert escalation.address == committee["chair"]


def test_notification_left_pending_is_queued_again_once_per_period(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    proposal = put_in_assignment(api, session, committee, draft)
    reviewer = session.get(User, user_id(session, committee["reviewers"][0]))
    assert reviewer is not None
    notify(
        session=session,
        event="assignment.invited",
        proposal=proposal,
        recipients=[reviewer],
        subject="Review invitation",
        body="Please review.",
    )
    session.commit()
    [stuck] = _events(session, "assignment.invited")
    assert stuck.status == "pending"  # no worker runs here
    long_ago = utcnow() - timedelta(hours=1)
    # As if its batch had failed an hour ago; a plain UPDATE keeps updated_at as given.
    session.execute(
        update(Notification).where(col(Notification.id) == stuck.id).values(updated_at=long_ago)
    )
    session.commit()
    before = {j.id for j in _jobs(session, "notifications.deliver")}
    assert scan_deadlines(session=session)["notifications_requeued"] == 1
    session.commit()
    assert scan_deadlines(session=session)["notifications_requeued"] == 0  # a full period
    session.commit()
    [requeued] = [j for j in _jobs(session, "notifications.deliver") if j.id not in before]
    assert requeued.payload == {"notification_id": str(stuck.id)}
