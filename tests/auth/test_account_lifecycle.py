"""The account lifecycle: admins manage accounts (audited), invitations, password resets,
people's own profiles."""

import re
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import Session, select

from service.assignment.models import Assignment, AssignmentStatus
from service.auth.models import Invitation
from service.db import utcnow
from service.jobs import Job
from service.notifications.models import Notification
from service.outbox.models import OutboxMessage
from tests.conftest import Api
from tests.factories import put_in_review, user_id

STRONG = "violet harbour lantern 42"


def _log_in(client: Any, email: str, password: str = "password-123") -> Any:
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def _me(client: Any, token: str) -> int:
    return int(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code)


def _link_token(session: Session, event: str, address: str) -> str:
    session.expire_all()
    mail = session.exec(
        select(Notification)
        .where(Notification.event == event, Notification.address == address)
        .order_by(Notification.created_at.desc())  # type: ignore[attr-defined]
    ).first()
    assert mail is not None, f"no {event} e-mail to {address}"
    found = re.search(r"token=([A-Za-z0-9_-]+)", mail.body)
    assert found is not None
    return found.group(1)


# --- admins ----------------------------------------------------------------------------------


def test_admin_lists_and_filters_accounts(api: Api, committee: dict) -> None:
    as_admin = api.as_(committee["admin"])
    reviewers = as_admin("GET", "/users", params={"role": "reviewer"}).json()
    assert sorted(u["email"] for u in reviewers["items"]) == sorted(committee["reviewers"])
    by_org = as_admin("GET", "/users", params={"organisation": committee["organisation_id"]})
    assert [u["email"] for u in by_org.json()["items"]] == [committee["applicant"]]
    members = as_admin("GET", "/users", params={"committee": committee["committee_id"]}).json()
    assert len(members["items"]) == 4  # the chair and three reviewers
    found = as_admin("GET", "/users", params={"search": "REVIEWER1"}).json()["items"]
    assert [u["email"] for u in found] == [committee["reviewers"][1]]
    assert as_admin("GET", "/users", params={"search": "%"}).json()["items"] == []
    pages, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = as_admin("GET", "/users", params=params).json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len({u["id"] for page in pages for u in page}) == 7 and len(pages) == 3
    assert "password_hash" not in pages[0][0]
    bad = as_admin("GET", "/users", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 422


def test_only_admins_manage_accounts(api: Api, committee: dict, session: Session) -> None:
    target = user_id(session, committee["reviewers"][0])
    for who in ("chair", "applicant"):
        call = api.as_(committee[who])
        assert call("GET", "/users").status_code == 403
        assert call("GET", f"/users/{target}").status_code == 403
        assert call("PATCH", f"/users/{target}", json={"capacity": 1}).status_code == 403
        assert call("GET", "/admin/audit").status_code == 403


def test_admin_changes_are_audited(api: Api, committee: dict, session: Session) -> None:
    as_admin = api.as_(committee["admin"])
    target = user_id(session, committee["reviewers"][0])
    changed = as_admin("PATCH", f"/users/{target}", json={"capacity": 2, "role": "chair"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["capacity"], changed.json()["role"]) == (2, "chair")
    assert as_admin("PATCH", f"/users/{target}", json={"role": None}).status_code == 422
    assert as_admin("GET", f"/users/{UUID(int=1)}").status_code == 404
    log = as_admin("GET", "/admin/audit").json()["items"]
    entry = log[0]
    assert entry["action"] == "user.update" and entry["target_id"] == str(target)
    assert (entry["before"]["capacity"], entry["after"]["capacity"]) == (5, 2)
    assert (entry["before"]["role"], entry["after"]["role"]) == ("reviewer", "chair")
    admin_id = user_id(session, committee["admin"])
    assert entry["actor_id"] == str(admin_id)
    assert "password_hash" not in entry["after"]


def test_an_admin_cannot_lock_themselves_out(api: Api, committee: dict, session: Session) -> None:
    admin = user_id(session, committee["admin"])
    response = api.as_(committee["admin"])("PATCH", f"/users/{admin}", json={"is_active": False})
    assert response.status_code == 403


def test_deactivation_ends_sessions_and_frees_open_reviews(
    api: Api, client: Any, committee: dict, draft: dict, session: Session
) -> None:
    staged = put_in_review(api, session, committee, draft)
    reviewer = committee["reviewers"][0]
    token = _log_in(client, reviewer).json()["access_token"]
    target = user_id(session, reviewer)
    response = api.as_(committee["admin"])("PATCH", f"/users/{target}", json={"is_active": False})
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    assert _me(client, token) == 401
    assert _log_in(client, reviewer).status_code == 401
    session.expire_all()
    freed = session.get(Assignment, UUID(staged.assignments[reviewer]))
    assert freed is not None
    assert (freed.status, freed.closed_reason) == (
        AssignmentStatus.cancelled,
        "reviewer_deactivated",
    )
    others = [
        session.get(Assignment, UUID(a)) for e, a in staged.assignments.items() if e != reviewer
    ]
    assert all(a is not None and a.status == AssignmentStatus.accepted for a in others)
    jobs = session.exec(
        select(OutboxMessage).where(OutboxMessage.task == Job.replace_reviewers)
    ).all()
    assert [j.payload["proposal_id"] for j in jobs] == [staged.proposal_id]
    log = api.as_(committee["admin"])("GET", "/admin/audit").json()["items"]
    assert log[0]["action"] == "user.deactivate"


# --- invitations -------------------------------------------------------------------------------


def test_an_invited_person_sets_a_password_once(
    api: Api, client: Any, committee: dict, session: Session
) -> None:
    invited = api.as_(committee["admin"])(
        "POST",
        "/invitations",
        json={"email": "New.Reviewer@lab.example", "full_name": "New Reviewer", "role": "reviewer"},
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["email"] == "new.reviewer@lab.example"
    token = _link_token(session, "account.invitation", "new.reviewer@lab.example")
    weak = client.post("/api/v1/invitations/accept", json={"token": token, "password": "password"})
    assert weak.status_code == 422 and weak.json()["fields"][0]["field"] == "password"
    accepted = client.post("/api/v1/invitations/accept", json={"token": token, "password": STRONG})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["role"] == "reviewer"
    assert _log_in(client, "new.reviewer@lab.example", STRONG).status_code == 200
    again = client.post("/api/v1/invitations/accept", json={"token": token, "password": STRONG})
    assert again.status_code == 422
    assert api.as_(committee["admin"])("GET", "/admin/audit").json()["items"][0]["action"] == (
        "user.invite"
    )


def test_an_expired_invitation_does_not_open_an_account(
    api: Api, client: Any, committee: dict, session: Session
) -> None:
    api.as_(committee["admin"])(
        "POST",
        "/invitations",
        json={"email": "late@lab.example", "full_name": "Late", "role": "chair"},
    )
    token = _link_token(session, "account.invitation", "late@lab.example")
    session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    response = client.post("/api/v1/invitations/accept", json={"token": token, "password": STRONG})
    assert response.status_code == 422
    assert _log_in(client, "late@lab.example", STRONG).status_code == 401


def test_applicants_invite_colleagues_into_their_own_organisation_only(
    api: Api, client: Any, committee: dict, session: Session
) -> None:
    as_applicant = api.as_(committee["applicant"])
    colleague = as_applicant(
        "POST", "/invitations", json={"email": "colleague@acme.example", "full_name": "Colleague"}
    )
    assert colleague.status_code == 201, colleague.text
    assert colleague.json()["organisation_id"] == committee["organisation_id"]
    assert colleague.json()["role"] == "applicant"
    as_reviewer = {"email": "x@acme.example", "full_name": "X", "role": "reviewer"}
    assert as_applicant("POST", "/invitations", json=as_reviewer).status_code == 403
    rival_org = as_applicant(
        "GET", "/me"
    ).json()  # the applicant's own record: another organisation's id is refused
    other = api.as_(committee["admin"])("GET", "/users", params={"search": "other.example"})
    other_org = other.json()["items"][0]["organisation_id"]
    assert other_org != rival_org["organisation_id"]
    into_other = {"email": "y@acme.example", "full_name": "Y", "organisation_id": other_org}
    assert as_applicant("POST", "/invitations", json=into_other).status_code == 403
    existing = {"email": committee["rival"], "full_name": "Dup"}
    assert (
        api.as_(committee["admin"])(
            "POST", "/invitations", json={**existing, "organisation_id": other_org}
        ).status_code
        == 409
    )
    reviewer_invites = api.as_(committee["reviewers"][0])(
        "POST", "/invitations", json={"email": "z@lab.example", "full_name": "Z"}
    )
    assert reviewer_invites.status_code == 403


# --- password reset ----------------------------------------------------------------------------


def test_password_reset_does_not_tell_who_has_an_account(
    client: Any, committee: dict, session: Session
) -> None:
    known = client.post("/api/v1/auth/password-reset", json={"email": committee["chair"]})
    unknown = client.post("/api/v1/auth/password-reset", json={"email": "ghost@nowhere.example"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    session.expire_all()
    sent = session.exec(
        select(Notification.address).where(Notification.event == "account.password_reset")
    )
    assert list(sent) == [committee["chair"]]


def test_a_reset_link_sets_a_new_password_once_and_ends_sessions(
    client: Any, committee: dict, session: Session
) -> None:
    chair = committee["chair"]
    old_token = _log_in(client, chair).json()["access_token"]
    client.post("/api/v1/auth/password-reset", json={"email": chair})
    token = _link_token(session, "account.password_reset", chair)
    url = "/api/v1/auth/password-reset/confirm"
    weak = client.post(url, json={"token": token, "new_password": "chair12345"})
    assert weak.status_code == 422
    done = client.post(url, json={"token": token, "new_password": STRONG})
    assert done.status_code == 204, done.text
    assert _me(client, old_token) == 401
    assert _log_in(client, chair).status_code == 401
    assert _log_in(client, chair, STRONG).status_code == 200
    assert client.post(url, json={"token": token, "new_password": STRONG + "!"}).status_code == 422


# --- one's own profile --------------------------------------------------------------------------


def test_people_edit_their_own_profile(api: Api, committee: dict) -> None:
    as_reviewer = api.as_(committee["reviewers"][0])
    changed = as_reviewer(
        "PATCH",
        "/me",
        json={
            "full_name": "Dr Reviewer",
            "expertise_keywords": [" gene therapy ", "gene therapy", "AAV"],
            "capacity": 3,
            "unavailable_periods": [{"start": "2027-01-01", "end": "2027-01-15"}],
            "standing_conflicts": ["rival.example", "Other Pharma"],
        },
    )
    assert changed.status_code == 200, changed.text
    me = as_reviewer("GET", "/me").json()
    assert me["full_name"] == "Dr Reviewer"
    assert me["expertise_keywords"] == ["gene therapy", "AAV"]
    assert me["capacity"] == 3
    assert me["unavailable_periods"] == [{"start": "2027-01-01", "end": "2027-01-15"}]
    assert me["standing_conflicts"] == ["rival.example", "Other Pharma"]
    backwards = {"unavailable_periods": [{"start": "2027-02-01", "end": "2027-01-01"}]}
    assert as_reviewer("PATCH", "/me", json=backwards).status_code == 422
    assert as_reviewer("PATCH", "/me", json={"full_name": None}).status_code == 422
    assert as_reviewer("PATCH", "/me", json={"role": "admin"}).status_code == 422
    as_applicant = api.as_(committee["applicant"])
    assert as_applicant("PATCH", "/me", json={"capacity": 9}).status_code == 403
    assert as_applicant("PATCH", "/me", json={"full_name": "Acme Lead"}).status_code == 200


def test_reset_requests_are_throttled_whether_or_not_the_account_exists(client: Any) -> None:
    for email in ("nobody@nowhere.example", "applicant@acme.example"):
        answers = [
            client.post("/api/v1/auth/password-reset", json={"email": email}).status_code
            for _ in range(7)
        ]
        # The same for a real account and an unknown e-mail: no way to tell which is which.
        assert answers[:5] == [202] * 5
        assert answers[-1] == 429
