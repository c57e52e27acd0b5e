"""The pipeline benchmark's baseline: the same Celery app and settings, a trivial task."""

from sqlalchemy import update
from sqlmodel import col

from service.db import session_scope
from service.proposals.models import Proposal
from workers.celery_app import celery_app


@celery_app.task(name="bench.touch")
def touch(proposal_id: str, stage: int) -> None:
    """One UPDATE of the proposal, then the next stage's message, three stages in all."""
    with session_scope() as session:
        session.execute(
            update(Proposal)
            .where(col(Proposal.id) == proposal_id)
            .values(state=f"baseline_{stage}")
        )
    if stage < 3:
        touch.delay(proposal_id, stage + 1)


if __name__ == "__main__":
    import sys

    celery_app.start(sys.argv[1:])
