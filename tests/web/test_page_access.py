"""The access table of every page route: signed out, another organisation, a stranger reviewer.

The pages call the same service functions as the API, so they refuse what the API refuses;
this table proves it for each route, and fails when a route is added without a row.
"""

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Api

PDF = b"%PDF-1.7\n" + b"business plan " * 50
PAGES = [
    ("GET", "/proposals"),
    ("GET", "/proposals/new"),
    ("POST", "/proposals/new"),
    ("GET", "/proposals/{p}"),
    ("GET", "/proposals/{p}/edit"),
    ("POST", "/proposals/{p}/edit"),
    ("GET", "/proposals/{p}/timeline"),
    ("POST", "/proposals/{p}/attachments"),
    ("GET", "/proposals/{p}/attachments/{a}"),
    ("GET", "/proposals/{p}/dossier.pdf"),
    ("POST", "/proposals/{p}/attachments/{a}/delete"),
    ("POST", "/proposals/{p}/submit"),
    ("POST", "/proposals/{p}/withdraw"),
    ("POST", "/proposals/{p}/response"),
    ("GET", "/assignments"),
    ("GET", "/assignments/{x}"),
    ("POST", "/assignments/{x}/accept"),
    ("POST", "/assignments/{x}/decline"),
    ("POST", "/assignments/{x}/review"),
    ("POST", "/assignments/{x}/discussion"),
    ("GET", "/bids"),
    ("POST", "/bids/{p}"),
    ("GET", "/account"),
    ("POST", "/account/password"),
    ("POST", "/proposals/{p}/autosave"),
    ("GET", "/colleagues"),
    ("POST", "/colleagues"),
    ("GET", "/webhooks"),
    ("POST", "/webhooks"),
    ("POST", "/webhooks/{w}/delete"),
    ("GET", "/account/profile"),
    ("POST", "/account/profile"),
]
# Open to everyone: the way in, the language, the way out.
PUBLIC = {("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
          ("POST", "/language")}  # fmt: skip
# Also open: a forgotten password and the first sign-in from an invitation (the link's token).
PUBLIC |= {("GET", "/password-reset"), ("POST", "/password-reset"),
           ("POST", "/password-reset/confirm"), ("GET", "/invitations/accept"),
           ("POST", "/invitations/accept")}  # fmt: skip


@pytest.fixture
def web(db: None, broker: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from service.main import create_app

    with TestClient(create_app(), base_url="https://testserver") as test_client:
        yield test_client


def _csrf(web: Any) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text)
    assert found
    return found.group(1)


def _sign_in(web: Any, email: str) -> str:
    token = _csrf(web)
    response = web.post(
        "/login",
        data={"email": email, "password": "password-123", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return token


@pytest.fixture
def target(api: Api, committee: dict[str, Any], draft: dict[str, Any]) -> dict[str, str]:
    attached = api.as_(committee["applicant"])(
        "POST", f"/proposals/{draft['id']}/attachments", files={"file": ("plan.pdf", PDF)}
    )
    assert attached.status_code == 201
    return {"p": draft["id"], "a": attached.json()["id"], "x": str(uuid.uuid4()),
            "w": str(uuid.uuid4())}  # fmt: skip


def _call(web: Any, method: str, path: str, token: str) -> Any:
    if method == "GET":
        return web.get(path, follow_redirects=False)
    return web.post(path, data={"csrf_token": token, "title": "Changed title"},
                    follow_redirects=False)  # fmt: skip


def test_the_table_covers_every_page_route() -> None:
    from service.web import account, pages

    short = {"{proposal_id}": "{p}", "{attachment_id}": "{a}", "{assignment_id}": "{x}",
             "{webhook_id}": "{w}"}  # fmt: skip
    routes = set()
    for route in [*pages.router.routes, *account.router.routes]:
        path = getattr(route, "path", "")
        for long, brief in short.items():
            path = path.replace(long, brief)
        routes |= {(method, path) for method in getattr(route, "methods", ())}
    named = set(PAGES)
    assert routes - PUBLIC == named


def test_signed_out_visitors_are_sent_to_sign_in(web: Any, target: dict[str, str]) -> None:
    token = _csrf(web)
    for method, template in PAGES:
        response = _call(web, method, template.format(**target), token)
        assert response.status_code == 303, (method, template)
        assert response.headers["location"].startswith("/login?next="), (method, template)


def test_another_organisation_gets_not_found_and_changes_nothing(
    web: Any, api: Api, committee: dict[str, Any], target: dict[str, str]
) -> None:
    token = _sign_in(web, committee["rival"])
    for method, template in PAGES:
        if "{p}" not in template:
            continue
        response = _call(web, method, template.format(**target), token)
        assert response.status_code == 404, (method, template, response.status_code)
    seen = api.as_(committee["applicant"])("GET", f"/proposals/{target['p']}").json()
    assert (seen["title"], seen["state"]) == ("Bispecific antibody R&D centre", "draft")
    files = api.as_(committee["applicant"])("GET", f"/proposals/{target['p']}/attachments")
    assert len(files.json()) == 1


def test_a_reviewer_without_the_assignment_gets_not_found(
    web: Any, committee: dict[str, Any], target: dict[str, str]
) -> None:
    token = _sign_in(web, committee["reviewers"][0])
    for method, template in PAGES:
        if "{p}" not in template and "{x}" not in template:
            continue
        response = _call(web, method, template.format(**target), token)
        assert response.status_code in (403, 404), (method, template, response.status_code)
        if "{x}" in template or method == "GET":
            assert response.status_code == 404, (method, template)


def test_applicants_have_no_assignments_page(web: Any, committee: dict[str, Any]) -> None:
    _sign_in(web, committee["applicant"])
    assert web.get("/assignments").status_code == 403


# The chair's pages (service/web/chair.py): for a committee's chairs; others are refused.
CHAIR_PAGES = [
    ("GET", "/board"),
    ("GET", "/board/ranking"),
    ("GET", "/board/decisions"),
    ("POST", "/board/decisions"),
    ("GET", "/board/proposals/{p}"),
    ("POST", "/board/proposals/{p}/discussion"),
    ("POST", "/board/proposals/{p}/meta-review"),
    ("GET", "/board/proposals/{p}/assignment"),
    ("POST", "/board/proposals/{p}/assignment"),
    ("GET", "/board/proposals/{p}/decision"),
    ("POST", "/board/proposals/{p}/decision"),
    ("POST", "/board/assignments/{x}/reconsider"),
    ("POST", "/board/assignments/{x}/replace"),
]


def test_the_chair_table_covers_every_chair_route() -> None:
    from service.web.chair import router

    short = {"{proposal_id}": "{p}", "{assignment_id}": "{x}"}
    routes = set()
    for route in router.routes:
        path = getattr(route, "path", "")
        for long, brief in short.items():
            path = path.replace(long, brief)
        routes |= {(method, path) for method in getattr(route, "methods", ())}
    assert routes == set(CHAIR_PAGES)


def test_chair_pages_send_signed_out_visitors_to_sign_in(web: Any, target: dict[str, str]) -> None:
    token = _csrf(web)
    for method, template in CHAIR_PAGES:
        response = _call(web, method, template.format(**target), token)
        assert response.status_code == 303, (method, template)
        assert response.headers["location"].startswith("/login?next="), (method, template)


@pytest.mark.parametrize("who", ["applicant", "rival", "reviewer"])
def test_chair_pages_refuse_applicants_and_reviewers_and_change_nothing(
    web: Any, api: Api, committee: dict[str, Any], target: dict[str, str], who: str
) -> None:
    email = committee["reviewers"][0] if who == "reviewer" else committee[who]
    token = _sign_in(web, email)
    for method, template in CHAIR_PAGES:
        response = _call(web, method, template.format(**target), token)
        if "{p}" in template and who == "applicant":
            expected = 403  # its own proposal: it may know it, not chair it
        elif "{p}" in template or "{x}" in template:
            expected = 404
        else:
            expected = 403
        assert response.status_code == expected, (who, method, template, response.status_code)
    seen = api.as_(committee["applicant"])("GET", f"/proposals/{target['p']}").json()
    assert (seen["title"], seen["state"]) == ("Bispecific antibody R&D centre", "draft")


# --- the reports (service/web/reports.py): chairs and admins only ------------------------------

REPORT_PAGES = [
    ("GET", "/reports/statistics"),
    ("GET", "/reports/exports"),
    ("GET", "/reports/exports/{name}.{fmt}"),
]


def _report_path(template: str) -> str:
    return template.format(name="decisions", fmt="csv")


def test_the_table_covers_every_report_route() -> None:
    from service.web.reports import router

    routes = {
        (method, getattr(route, "path", ""))
        for route in router.routes
        for method in getattr(route, "methods", ())
    }
    assert routes == set(REPORT_PAGES)


def test_signed_out_visitors_are_sent_to_sign_in_from_the_reports(web: Any) -> None:
    for method, template in REPORT_PAGES:
        response = web.get(_report_path(template), follow_redirects=False)
        assert response.status_code == 303, (method, template)
        assert response.headers["location"].startswith("/login?next="), (method, template)


def test_applicants_and_reviewers_are_refused_the_reports(
    web: Any, committee: dict[str, Any]
) -> None:
    for email in (committee["applicant"], committee["reviewers"][0]):
        _sign_in(web, email)
        for method, template in REPORT_PAGES:
            response = web.get(_report_path(template), follow_redirects=False)
            assert response.status_code == 403, (email, method, template)


def test_chairs_and_admins_open_the_reports(web: Any, committee: dict[str, Any]) -> None:
    for email in (committee["chair"], committee["admin"]):
        _sign_in(web, email)
        for method, template in REPORT_PAGES:
            response = web.get(_report_path(template), follow_redirects=False)
            assert response.status_code == 200, (email, method, template)


# The admin's pages (service/web/admin.py): admins only, refused by role before any object.
ADMIN_PAGES = [
    ("GET", "/admin"),
    ("GET", "/admin/queue"),
    ("GET", "/admin/queue/live"),
    ("POST", "/admin/queue/{p}/redrive"),
    ("GET", "/admin/users"),
    ("GET", "/admin/users/invite"),
    ("POST", "/admin/users/invite"),
    ("GET", "/admin/users/{u}"),
    ("POST", "/admin/users/{u}"),
    ("POST", "/admin/users/{u}/deactivate"),
    ("POST", "/admin/users/{u}/reactivate"),
    ("GET", "/admin/organisations"),
    ("GET", "/admin/organisations/new"),
    ("POST", "/admin/organisations/new"),
    ("GET", "/admin/organisations/{o}"),
    ("POST", "/admin/organisations/{o}"),
    ("GET", "/admin/committees"),
    ("GET", "/admin/committees/{c}"),
    ("POST", "/admin/committees/{c}"),
    ("GET", "/admin/audit"),
]


def test_the_admin_table_covers_every_admin_page_route() -> None:
    from service.web.admin import router

    short = {
        "{proposal_id}": "{p}",
        "{user_id}": "{u}",
        "{organisation_id}": "{o}",
        "{committee_id}": "{c}",
    }
    routes = set()
    for route in router.routes:
        path = getattr(route, "path", "")
        for long, brief in short.items():
            path = path.replace(long, brief)
        routes |= {(method, path) for method in getattr(route, "methods", ())}
    assert routes == set(ADMIN_PAGES)


@pytest.fixture
def admin_target(committee: dict[str, Any], target: dict[str, str], session: Any) -> dict[str, str]:
    from sqlmodel import select

    from service.auth.models import User

    reviewer = session.exec(select(User).where(User.email == committee["reviewers"][0])).one()
    return {
        **target,
        "u": str(reviewer.id),
        "o": committee["organisation_id"],
        "c": committee["committee_id"],
    }


def test_admin_pages_send_signed_out_visitors_to_sign_in(
    web: Any, admin_target: dict[str, str]
) -> None:
    token = _csrf(web)
    for method, template in ADMIN_PAGES:
        response = _call(web, method, template.format(**admin_target), token)
        assert response.status_code == 303, (method, template)
        assert response.headers["location"].startswith("/login?next="), (method, template)


@pytest.mark.parametrize("who", ["applicant", "chair", "reviewer"])
def test_admin_pages_refuse_everyone_but_admins_and_change_nothing(
    web: Any, api: Api, committee: dict[str, Any], admin_target: dict[str, str], who: str
) -> None:
    email = committee["reviewers"][0] if who == "reviewer" else committee[who]
    token = _sign_in(web, email)
    for method, template in ADMIN_PAGES:
        response = _call(web, method, template.format(**admin_target), token)
        assert response.status_code == 403, (who, method, template, response.status_code)
    reviewer = api.as_(committee["admin"])("GET", f"/users/{admin_target['u']}").json()
    assert reviewer["is_active"] is True


def test_admins_open_every_admin_page(
    web: Any, committee: dict[str, Any], admin_target: dict[str, str]
) -> None:
    _sign_in(web, committee["admin"])
    for method, template in ADMIN_PAGES:
        if method == "GET":
            response = web.get(template.format(**admin_target))
            assert response.status_code == 200, (template, response.status_code)
