"""Every table, imported in one place for Alembic and for the application."""

from service.assignment.models import Assignment, ConflictRecord
from service.auth.models import User
from service.committees.models import Committee, CommitteeMembership
from service.organisations.models import Organisation
from service.outbox.models import OutboxMessage
from service.proposals.models import (
    Attachment,
    IdempotencyKey,
    Proposal,
    ProposalVersion,
    Transition,
)

__all__ = [
    "Assignment",
    "Attachment",
    "Committee",
    "CommitteeMembership",
    "ConflictRecord",
    "IdempotencyKey",
    "Organisation",
    "OutboxMessage",
    "Proposal",
    "ProposalVersion",
    "Transition",
    "User",
]
