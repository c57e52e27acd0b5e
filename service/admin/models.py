"""What the admins' queue view shows (response shapes only; the admin module has no tables)."""

from datetime import datetime
from uuid import UUID

from sqlmodel import SQLModel

from service.assignment.models import AssignmentStatus
from service.workflow.table import State


class StateQueue(SQLModel):
    """The proposals in one state: how many, how long the oldest has waited, how many are late."""

    state: State
    count: int
    # Seconds since the longest-waiting proposal entered the state; null when empty or terminal.
    oldest_age_seconds: float | None
    sla_seconds: int | None
    # Proposals in the state for longer than its SLA; null when the state has no SLA.
    past_sla: int | None
    stalled: int
    entered_last_hour: int
    left_last_hour: int


class BrokerQueue(SQLModel):
    name: str
    depth: int | None


class BrokerView(SQLModel):
    """Messages waiting in the broker, read from it directly."""

    transport: str
    queues: list[BrokerQueue]
    # Messages handed to a worker but not yet acknowledged (running, prefetched or retrying
    # after a countdown); null where the transport cannot tell.
    reserved: int | None
    # Why the depths are unknown (the broker unreachable, a transport that cannot be read).
    error: str | None = None


class LiveWorker(SQLModel):
    hostname: str
    pid: int | None
    last_seen: datetime
    seconds_ago: float


class WorkersView(SQLModel):
    """Workers whose heartbeat is recent; `error` says why the list could not be read."""

    live: list[LiveWorker]
    error: str | None = None


class OutboxBacklog(SQLModel):
    unsent: int
    oldest_unsent_age_seconds: float | None
    # Unsent rows whose send already failed at least once (the broker refused or was down).
    failing: int


class ProposalTrouble(SQLModel):
    """A proposal an operator should look at: stalled, or carrying an error."""

    id: UUID
    title: str
    state: State
    committee_id: UUID | None
    stage_attempts: int
    stalled_at: datetime | None
    last_error: str | None
    waiting_seconds: float


class TroubleList(SQLModel):
    total: int
    items: list[ProposalTrouble]


class OverdueReview(SQLModel):
    assignment_id: UUID
    proposal_id: UUID
    proposal_title: str
    reviewer_id: UUID
    reviewer_email: str
    status: AssignmentStatus
    due_at: datetime
    overdue_seconds: float


class OverdueReviews(SQLModel):
    total: int
    items: list[OverdueReview]


class QueueView(SQLModel):
    """The whole picture of the pipeline at `generated_at`; lists hold at most the oldest 50."""

    generated_at: datetime
    throughput_window_seconds: int
    states: list[StateQueue]
    broker: BrokerView
    workers: WorkersView
    outbox: OutboxBacklog
    stalled: TroubleList
    # Proposals with an error that did not stall them, e.g. "cannot be staffed".
    errors: TroubleList
    overdue_reviews: OverdueReviews


class RedriveResult(SQLModel):
    proposal_id: UUID
    state: State
    version: int
    queued: bool
    # The error that made the stage stall; it stays until the stage next succeeds.
    last_error: str | None
    detail: str
