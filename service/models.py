"""Every table, imported in one place for Alembic and for the application."""

from service.analysis.models import ProspectReportRecord
from service.assignment.models import Assignment, ConflictRecord
from service.auth.models import (
    AuditEntry,
    AuthSession,
    Invitation,
    LoginThrottle,
    PasswordReset,
    User,
)
from service.committees.models import Committee, CommitteeMembership
from service.notifications.models import Notification, Webhook
from service.organisations.models import Organisation
from service.outbox.models import OutboxMessage
from service.proposals.models import (
    Attachment,
    IdempotencyKey,
    Proposal,
    ProposalVersion,
    Transition,
)
from service.reviews.models import Decision, Review, ReviewAggregate

__all__ = [
    "Assignment",
    "Attachment",
    "AuditEntry",
    "AuthSession",
    "Committee",
    "CommitteeMembership",
    "ConflictRecord",
    "Decision",
    "IdempotencyKey",
    "Invitation",
    "LoginThrottle",
    "Notification",
    "Organisation",
    "OutboxMessage",
    "PasswordReset",
    "Proposal",
    "ProposalVersion",
    "ProspectReportRecord",
    "Review",
    "ReviewAggregate",
    "Transition",
    "User",
    "Webhook",
]
