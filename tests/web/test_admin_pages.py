"""The admin's pages over HTTP: the queue and its re-drive, accounts, organisations, committees
and the audit log; search and pages, each refusal beside its field, CSRF, sessions ended."""

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from service.auth.models import AuditEntry, AuthSession, Invitation, Role, User
from service.db import utcnow
from service.proposals.models import Proposal, Transition
from service.workflow.table import State
from tests.conftest import Api, _password_hash
from tests.web.test_pages import _csrf, _sign_in


@pytest.fixture
def web(db: None, broker: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from service.main import create_app

    with TestClient(create_app(), base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def admin_web(web: Any, committee: dict[str, Any]) -> Any:
    """The admin, signed in; `web.token` is its CSRF token."""
    web.token = _sign_in(web, committee["admin"])
    return web


def _user(session: Session, email: str) -> User:
    return session.exec(select(User).where(User.email == email)).one()


def _stall(session: Session, proposal_id: str, error: str) -> None:
    """A proposal stuck in screening after its stage failed, as the worker leaves one."""
    proposal = session.get(Proposal, uuid.UUID(proposal_id))
    assert proposal is not None
    proposal.state = State.screening
    proposal.version = 1
    proposal.state_entered_at = utcnow() - timedelta(hours=2)
    proposal.stalled_at = utcnow()
    proposal.stage_attempts = 5
    proposal.last_error = error
    session.add(proposal)
    session.commit()


def _errors(html: str) -> dict[str, str]:
    """Each field error on the page, by the field it stands beside."""
    return dict(re.findall(r'<p class="field-error" id="([\w_]+)-error">([^<]*)</p>', html))


# --- the queue ---------------------------------------------------------------------------------


def test_the_queue_shows_each_state_and_the_stalled_proposal_with_its_error(
    admin_web: Any, session: Session, draft: dict[str, Any]
) -> None:
    _stall(session, draft["id"], "NoCommittee: no committee covers neurology")
    page = admin_web.get("/admin/queue")
    assert page.status_code == 200
    html = page.text
    screening = re.search(r'<tr data-state="screening"[^>]*>(.*?)</tr>', html, re.S)
    assert screening and 'class="num count">1<' in screening.group(1)
    assert 'class="num stalled">1<' in screening.group(1)
    assert "NoCommittee: no committee covers neurology" in html
    assert f'action="/admin/queue/{draft["id"]}/redrive"' in html
    assert 'id="live-workers">0<' in html  # no worker runs beside this test
    # The chart, drawn on the server; no inline style, which the pages' CSP would ignore.
    chart = re.search(
        r'<svg [^>]*aria-label="Proposals waiting in each state".*?</svg>', html, re.S
    )
    assert chart and "style=" not in chart.group(0) and "Being screened" in chart.group(0)
    # htmx swaps the live part every few seconds; a plain page has its refresh link.
    assert 'hx-get="/admin/queue/live"' in html and 'href="/admin/queue">' in html
    fragment = admin_web.get("/admin/queue/live")
    assert fragment.status_code == 200
    assert fragment.text.startswith('<div id="queue-live"') and "<html" not in fragment.text
    assert "NoCommittee" in fragment.text


def test_a_re_drive_queues_the_stage_again_and_is_kept_in_the_history(
    admin_web: Any, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    _stall(session, draft["id"], "NoCommittee: no committee covers neurology")
    response = admin_web.post(
        f"/admin/queue/{draft['id']}/redrive",
        data={"csrf_token": admin_web.token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/queue?redriven={draft['id']}#stalled"
    session.expire_all()
    proposal = session.get(Proposal, uuid.UUID(draft["id"]))
    assert proposal is not None and proposal.stalled_at is None
    assert proposal.stage_attempts == 0
    [entry] = session.exec(
        select(Transition).where(
            Transition.proposal_id == proposal.id, Transition.event == "redrive"
        )
    ).all()
    assert entry.actor_id == _user(session, committee["admin"]).id
    assert committee["admin"] in entry.reason and "NoCommittee" in entry.reason
    after = admin_web.get(response.headers["location"])
    assert "Nothing is stalled." in after.text
    assert 'id="redriven"' in after.text


def test_a_re_drive_without_the_csrf_token_is_refused(
    admin_web: Any, session: Session, draft: dict[str, Any]
) -> None:
    _stall(session, draft["id"], "boom")
    response = admin_web.post(f"/admin/queue/{draft['id']}/redrive", follow_redirects=False)
    assert response.status_code == 403
    session.expire_all()
    proposal = session.get(Proposal, uuid.UUID(draft["id"]))
    assert proposal is not None and proposal.stalled_at is not None


def test_a_stage_that_waits_for_people_is_not_re_driven(
    admin_web: Any, draft: dict[str, Any]
) -> None:
    response = admin_web.post(
        f"/admin/queue/{draft['id']}/redrive", data={"csrf_token": admin_web.token}
    )
    assert response.status_code == 409  # a draft waits for its applicant


# --- accounts ----------------------------------------------------------------------------------


def _many_users(session: Session, count: int) -> None:
    session.add_all(
        User(
            email=f"bulk{i:03d}@reviewers.example",
            full_name=f"Bulk Reviewer {i:03d}",
            role=Role.reviewer,
            password_hash=_password_hash(),
        )
        for i in range(count)
    )
    session.commit()


def test_users_are_searched_and_paged_by_the_api_cursor(
    admin_web: Any, session: Session, committee: dict[str, Any]
) -> None:
    _many_users(session, 55)
    first = admin_web.get("/admin/users", params={"search": "BULK", "role": "reviewer"})
    assert first.status_code == 200
    assert first.text.count("@reviewers.example</td>") == 50
    assert "reviewer0@" not in first.text  # the search leaves the committee's reviewers out
    more = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert more
    link = more.group(1).replace("&amp;", "&")
    assert "search=BULK" in link and "role=reviewer" in link
    second = admin_web.get(link)
    assert second.text.count("@reviewers.example</td>") == 5
    assert 'rel="next"' not in second.text
    first_again = re.search(r'rel="first" href="([^"]+)"', second.text)
    assert first_again and first_again.group(1).replace("&amp;", "&") == (
        "/admin/users?search=BULK&role=reviewer"
    )
    seen = set(re.findall(r"bulk\d+@", first.text)) | set(re.findall(r"bulk\d+@", second.text))
    assert len(seen) == 55
    nobody = admin_web.get("/admin/users", params={"search": "100%_sure"})
    assert "No account matches." in nobody.text


def test_an_invitation_shows_each_refusal_beside_its_field(
    admin_web: Any, session: Session, committee: dict[str, Any]
) -> None:
    admin_web.cookies.set("lang", "ru")
    token = admin_web.token
    bad = admin_web.post(
        "/admin/users/invite",
        data={"csrf_token": token, "email": "not-an-address", "full_name": "", "role": "reviewer"},
    )
    assert bad.status_code == 422
    errors = _errors(bad.text)
    assert set(errors) == {"email", "full_name"}
    assert "name@example.com" in errors["email"]
    assert "Это поле обязательно." in errors["full_name"]
    assert 'value="not-an-address"' in bad.text  # what was typed comes back

    homeless = admin_web.post(
        "/admin/users/invite",
        data={
            "csrf_token": token,
            "email": "new@acme.example",
            "full_name": "New",
            "role": "applicant",
        },
    )
    assert homeless.status_code == 422
    assert set(_errors(homeless.text)) == {"organisation_id"}

    taken = admin_web.post(
        "/admin/users/invite",
        data={
            "csrf_token": token,
            "email": committee["chair"],
            "full_name": "Again",
            "role": "chair",
        },
    )
    assert taken.status_code == 409
    assert set(_errors(taken.text)) == {"email"}
    assert session.exec(select(Invitation)).all() == []


def test_an_admin_invites_a_reviewer_and_the_log_keeps_it(
    admin_web: Any, session: Session, committee: dict[str, Any]
) -> None:
    response = admin_web.post(
        "/admin/users/invite",
        data={
            "csrf_token": admin_web.token,
            "email": "Oncologist@Reviewers.example",
            "full_name": "Dr Wang",
            "role": "reviewer",
            "organisation_id": committee["organisation_id"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    listed = admin_web.get(response.headers["location"])
    assert "oncologist@reviewers.example" in listed.text
    [invitation] = session.exec(select(Invitation)).all()
    assert (invitation.email, invitation.role) == ("oncologist@reviewers.example", "reviewer")
    log = admin_web.get("/admin/audit", params={"search": "invite"})
    assert "Invitation sent" in log.text


def test_an_account_edit_shows_the_error_beside_the_field_and_saves_nothing(
    admin_web: Any, session: Session, committee: dict[str, Any]
) -> None:
    reviewer = _user(session, committee["reviewers"][0])
    admin_web.cookies.set("lang", "zh_Hans")
    refused = admin_web.post(
        f"/admin/users/{reviewer.id}",
        data={"csrf_token": admin_web.token, "role": "reviewer", "capacity": "500"},
    )
    assert refused.status_code == 422
    assert _errors(refused.text) == {"capacity": "不能大于 100。"}
    applicant = admin_web.post(
        f"/admin/users/{reviewer.id}",
        data={"csrf_token": admin_web.token, "role": "applicant", "capacity": "5"},
    )
    assert applicant.status_code == 422
    assert set(_errors(applicant.text)) == {"organisation_id"}
    session.expire_all()
    assert (reviewer.role, reviewer.capacity) == ("reviewer", 5)

    saved = admin_web.post(
        f"/admin/users/{reviewer.id}",
        data={"csrf_token": admin_web.token, "role": "chair", "capacity": "8"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    session.expire_all()
    assert (reviewer.role, reviewer.capacity) == ("chair", 8)
    [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "user.update")).all()
    assert entry.before == {**entry.before, "role": "reviewer", "capacity": 5}
    assert entry.after == {**entry.after, "role": "chair", "capacity": 8}


def test_deactivating_an_account_ends_its_sessions(
    admin_web: Any, session: Session, committee: dict[str, Any]
) -> None:
    from fastapi.testclient import TestClient

    reviewer = _user(session, committee["reviewers"][1])
    with TestClient(admin_web.app, base_url="https://testserver") as theirs:
        _sign_in(theirs, reviewer.email)
        assert theirs.get("/assignments").status_code == 200
        unconfirmed = admin_web.post(
            f"/admin/users/{reviewer.id}/deactivate", data={"csrf_token": admin_web.token}
        )
        assert unconfirmed.status_code == 422
        assert theirs.get("/assignments").status_code == 200

        done = admin_web.post(
            f"/admin/users/{reviewer.id}/deactivate",
            data={"csrf_token": admin_web.token, "confirm": "yes"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        # The reviewer's very next page sends it to sign in: its session is over.
        after = theirs.get("/assignments", follow_redirects=False)
        assert after.status_code == 303 and after.headers["location"].startswith("/login")
    open_sessions = session.exec(
        select(AuthSession).where(
            AuthSession.user_id == reviewer.id,
            AuthSession.revoked_at == None,  # noqa: E711
        )
    ).all()
    assert open_sessions == []
    listed = admin_web.get("/admin/users", params={"search": reviewer.email})
    assert "Deactivated" in listed.text
    assert (
        admin_web.get("/admin/audit", params={"search": "deactivate"}).text.count(
            "Account deactivated"
        )
        == 1
    )


def test_an_admin_cannot_deactivate_itself(
    admin_web: Any, session: Session, committee: dict[str, Any]
) -> None:
    admin = _user(session, committee["admin"])
    page = admin_web.get(f"/admin/users/{admin.id}")
    assert "/deactivate" not in page.text
    refused = admin_web.post(
        f"/admin/users/{admin.id}/deactivate",
        data={"csrf_token": admin_web.token, "confirm": "yes"},
    )
    assert refused.status_code == 403
    session.expire_all()
    assert admin.is_active


# --- organisations and committees ------------------------------------------------------------


def test_organisations_are_created_edited_and_searched(
    admin_web: Any, session: Session, committee: dict[str, Any]
) -> None:
    token = admin_web.token
    bad = admin_web.post(
        "/admin/organisations/new",
        data={"csrf_token": token, "name": "Acme Bio", "country": "12", "email_domains": "x"},
    )
    assert bad.status_code == 422
    assert set(_errors(bad.text)) == {"country", "email_domains"}
    taken = admin_web.post(
        "/admin/organisations/new",
        data={"csrf_token": token, "name": "acme bio", "country": "cn", "email_domains": ""},
    )
    assert taken.status_code == 409
    assert set(_errors(taken.text)) == {"name"}

    created = admin_web.post(
        "/admin/organisations/new",
        data={"csrf_token": token, "name": "Tianjin Cell", "country": "cn",
              "email_domains": "tjcell.example\nTJ-Cell.example"},
        follow_redirects=False,
    )  # fmt: skip
    assert created.status_code == 303
    path = created.headers["location"].split("?")[0]
    edited = admin_web.post(
        path,
        data={"csrf_token": token, "name": "Tianjin Cell Therapy", "country": "CN",
              "email_domains": "tjcell.example"},
        follow_redirects=False,
    )  # fmt: skip
    assert edited.status_code == 303
    assert "Organisation created" in admin_web.get("/admin/audit").text
    found = admin_web.get("/admin/organisations", params={"search": "TJCELL"})
    assert "Tianjin Cell Therapy" in found.text and "Acme Bio" not in found.text
    [entry] = session.exec(
        select(AuditEntry).where(AuditEntry.action == "organisation.update")
    ).all()
    assert entry.before == {
        "name": "Tianjin Cell",
        "email_domains": ["tj-cell.example", "tjcell.example"],
    }
    assert entry.after == {"name": "Tianjin Cell Therapy", "email_domains": ["tjcell.example"]}


def test_organisations_are_paged(admin_web: Any, session: Session) -> None:
    from service.organisations.models import Organisation

    session.add_all(Organisation(name=f"Org {i:03d}", country="KZ") for i in range(52))
    session.commit()
    first = admin_web.get("/admin/organisations", params={"search": "org "})
    assert first.text.count('href="/admin/organisations/') - 1 == 50  # less "New organisation"
    more = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert more
    second = admin_web.get(more.group(1).replace("&amp;", "&"))
    assert "Org 050" in second.text and "Org 051" in second.text and "Org 049" not in second.text


def test_a_committee_edit_refuses_a_quorum_above_its_panel_beside_the_field(
    admin_web: Any, session: Session, committee: dict[str, Any]
) -> None:
    path = f"/admin/committees/{committee['committee_id']}"
    chair = _user(session, committee["chair"])
    reviewers = [_user(session, e) for e in committee["reviewers"]]
    form = {
        "csrf_token": admin_web.token,
        "name": "Biomedicine",
        "therapeutic_areas": ["oncology", "hematology"],
        "reviewers_per_proposal": "2",
        "quorum": "3",
        "applicant_response_days": "0",
        "chair_ids": [str(chair.id)],
        "reviewer_ids": [str(r.id) for r in reviewers],
    }
    refused = admin_web.post(path, data=form)
    assert refused.status_code == 422
    assert set(_errors(refused.text)) == {"quorum"}
    assert 'value="hematology" checked' in refused.text  # the form as it was sent

    saved = admin_web.post(
        path, data={**form, "quorum": "1", "reviewer_ids": [str(reviewers[0].id)]},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303
    page = admin_web.get(path)
    assert page.text.count("checked") == 2 + 1 + 1  # two areas, one chair, one reviewer
    [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "committee.update")).all()
    assert entry.after is not None and entry.after["quorum"] == 1
    assert entry.after["reviewer_ids"] == [str(reviewers[0].id)]
    listed = admin_web.get("/admin/committees", params={"search": "biomed"})
    assert "Biomedicine" in listed.text
    assert "Biomedicine" not in admin_web.get("/admin/committees", params={"search": "x"}).text


def test_the_audit_log_is_searched_and_paged(
    admin_web: Any, session: Session, committee: dict[str, Any]
) -> None:
    admin = _user(session, committee["admin"])
    session.add_all(
        AuditEntry(
            actor_id=admin.id,
            action="user.update",
            target_type="user",
            target_id=admin.id,
            before={"capacity": i},
            after={"capacity": i + 1},
        )
        for i in range(51)
    )
    session.commit()
    first = admin_web.get("/admin/audit", params={"search": "user.update"})
    assert first.text.count("Account changed") == 50
    assert "Committee created" not in first.text  # the fixture's committee.create
    more = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert more
    second = admin_web.get(more.group(1).replace("&amp;", "&"))
    assert second.text.count("Account changed") == 1
    created = admin_web.get("/admin/audit", params={"search": "committee.create"})
    assert "Committee created" in created.text and "Account changed" not in created.text
    by_actor = admin_web.get("/admin/audit", params={"search": "ADMIN@committee"})
    assert by_actor.text.count("Account changed") == 50
    assert "No entry matches." in admin_web.get("/admin/audit", params={"search": "zzz"}).text


def test_the_admin_menu_shows_only_to_admins(
    web: Any, admin_web: Any, committee: dict[str, Any]
) -> None:
    page = admin_web.get("/account")
    for href in ("/admin/queue", "/admin/users", "/admin/audit", "/reports/statistics"):
        assert f'href="{href}"' in page.text
    assert 'href="/admin/queue" aria-current="page"' in admin_web.get("/admin/queue").text
    admin_web.cookies.clear()
    _sign_in(admin_web, committee["applicant"])
    assert 'href="/admin/queue"' not in admin_web.get("/account").text


def test_an_admin_starts_on_the_queue(admin_web: Any) -> None:
    home = admin_web.get("/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/admin/queue")
    assert admin_web.get("/admin", follow_redirects=False).headers["location"] == "/admin/queue"


def test_a_bad_cursor_is_refused_as_the_api_refuses_it(admin_web: Any) -> None:
    assert admin_web.get("/admin/users", params={"cursor": "nonsense"}).status_code == 422
    assert _csrf(admin_web.get("/admin/users").text)


def test_the_api_lists_take_the_same_search(api: Api, committee: dict[str, Any]) -> None:
    call = api.as_(committee["admin"])
    created = call("POST", "/organisations", json={"name": "Kazakh Bio", "country": "KZ"})
    assert created.status_code == 201
    names = [o["name"] for o in call("GET", "/organisations?search=kazakh").json()["items"]]
    assert names == ["Kazakh Bio"]
    domains = call("GET", "/organisations?search=other.example").json()["items"]
    assert [o["name"] for o in domains] == ["Other Pharma"]
    assert call("GET", "/committees?search=BIOMED").json()["items"][0]["name"] == "Biomedicine"
    assert call("GET", "/committees?search=nothing").json()["items"] == []
    log = call("GET", "/admin/audit?search=organisation.create").json()["items"]
    assert [e["after"]["name"] for e in log] == ["Kazakh Bio"]
