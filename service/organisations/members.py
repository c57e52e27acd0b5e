"""An applicant organisation's people: its members and the colleagues invited to join it.

Applicants see their own organisation's (the policy's `applicant_organisation`); they invite
colleagues through `service.auth.accounts.invite`, as the API's POST /invitations does.
"""

from sqlmodel import Session, col, select

from service import policy
from service.auth import accounts
from service.auth.models import Invitation, User
from service.db import utcnow

# More open invitations than this at once would be a mass mailing, not inviting colleagues.
OPEN_INVITATIONS_SHOWN = 100


def colleagues(
    *, session: Session, user: User, cursor: str | None, limit: int
) -> tuple[list[User], str | None]:
    """A page of the members of the applicant's organisation, newest first."""
    organisation_id = policy.applicant_organisation(user, "see their organisation's members")
    return accounts.list_users(
        session=session, organisation_id=organisation_id, cursor=cursor, limit=limit
    )


def open_invitations(*, session: Session, user: User) -> list[Invitation]:
    """The invitations into the applicant's organisation still waiting to be used, newest first."""
    organisation_id = policy.applicant_organisation(user, "see their organisation's members")
    query = (
        select(Invitation)
        .where(
            Invitation.organisation_id == organisation_id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.expires_at) > utcnow(),
        )
        .order_by(col(Invitation.created_at).desc())
        .limit(OPEN_INVITATIONS_SHOWN)
    )
    return list(session.exec(query))
