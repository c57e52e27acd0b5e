"""Every table, imported in one place for Alembic and for the application."""

from service.analysis.models import ProspectReportRecord
from service.assignment.models import Assignment, BidRecord, ConflictRecord
from service.auth.models import (
    AuditEntry,
    AuthSession,
    Invitation,
    LoginThrottle,
    PasswordReset,
    User,
)
from service.committees.models import Committee, CommitteeMembership
from service.idempotency import IdempotencyKey
from service.notifications.models import Notification, Webhook
from service.organisations.models import Organisation
from service.outbox.models import OutboxMessage
from service.proposals.models import Attachment, Proposal, ProposalVersion, Transition
from service.reviews.models import (
    ApplicantResponse,
    Decision,
    DiscussionComment,
    MetaReview,
    Review,
    ReviewAggregate,
    ReviewRating,
    ReviewReopening,
)

__all__ = [
    "ApplicantResponse",
    "Assignment",
    "Attachment",
    "AuditEntry",
    "AuthSession",
    "BidRecord",
    "Committee",
    "CommitteeMembership",
    "ConflictRecord",
    "Decision",
    "DiscussionComment",
    "IdempotencyKey",
    "Invitation",
    "LoginThrottle",
    "MetaReview",
    "Notification",
    "Organisation",
    "OutboxMessage",
    "PasswordReset",
    "Proposal",
    "ProposalVersion",
    "ProspectReportRecord",
    "Review",
    "ReviewAggregate",
    "ReviewRating",
    "ReviewReopening",
    "Transition",
    "User",
    "Webhook",
]
