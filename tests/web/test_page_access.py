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
    ("GET", "/account/profile"),
    ("POST", "/account/profile"),
]
# Open to everyone: the way in, the language, the way out.
PUBLIC = {("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
          ("POST", "/language")}  # fmt: skip


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
    return {"p": draft["id"], "a": attached.json()["id"], "x": str(uuid.uuid4())}


def _call(web: Any, method: str, path: str, token: str) -> Any:
    if method == "GET":
        return web.get(path, follow_redirects=False)
    return web.post(path, data={"csrf_token": token, "title": "Changed title"},
                    follow_redirects=False)  # fmt: skip


def test_the_table_covers_every_page_route() -> None:
    from service.web import account, pages

    short = {"{proposal_id}": "{p}", "{attachment_id}": "{a}", "{assignment_id}": "{x}"}
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
