"""The access policy as a table: every route that takes an object id x every caller's standing.

A cell is what the caller meets: "ok" (allowed: any answer but 401, 403 or 404; the route may
still refuse the request itself, say 409 for a proposal in the wrong state), 403 (may know the
object exists, may not do this), 404 (may not know it exists) or 401 (no token). A route with an
object id that has no row here fails `test_every_route_with_an_object_id_has_a_row`.
"""

from typing import Any

import pytest

from service.main import create_app
from tests.conftest import Api
from tests.factories import ROLES, World, build_world, full_review

OK, F, N, U = "ok", 403, 404, 401

# Reading the proposal: its owners, its accepted reviewers, its own chair and admins.
READ = {
    "owner": OK,
    "colleague": OK,
    "rival": N,
    "unassigned": N,
    "invited": F,
    "accepted": OK,
    "declined": N,
    "removed": N,
    "chair": OK,
    "other_chair": N,
    "conflicted_chair": N,
    "admin": OK,
}
# Changing it: its organisation's applicants only; the others who may read it get 403.
EDIT = {**READ, "accepted": F, "chair": F, "admin": F}
# Reviews: its chair and admins; a reviewer after submitting its own (this one has not).
REVIEWS = {**READ, "owner": F, "colleague": F, "accepted": F}
# The chair's tools: its own chair, free of conflicts.
MANAGE = {**READ, "owner": F, "colleague": F, "accepted": F, "admin": F}
# Acting on an assignment: its reviewer; the chair and admins may know it exists.
OWN_ASSIGNMENT = {
    **{role: N for role in READ},
    "accepted": OK,
    "chair": F,
    "admin": F,
}
# Writing in the discussion: the chair and reviewers who submitted (admins only read it). The
# accepted reviewer has submitted its review by then (the rows before, in order).
DISCUSS = {**REVIEWS, "accepted": OK, "admin": F}
# Admin-only routes refuse everyone else by role, before any object is looked at.
ADMIN_ONLY = {**{role: F for role in READ}, "admin": OK}
# A committee: its members (chairs and reviewers, while seated) and admins read it.
COMMITTEE = {
    **{role: N for role in READ},
    **{r: OK for r in ("unassigned", "invited", "accepted", "declined", "chair")},
    "conflicted_chair": OK,
    "admin": OK,
}
# A webhook: its organisation's applicants and admins; another organisation's never see it.
WEBHOOK = {**{role: F for role in READ}, "owner": OK, "colleague": OK, "rival": N, "admin": OK}

# A committee's reviewers' quality signals: its chairs and admins; its other members know it.
SIGNALS = {
    **COMMITTEE,
    **{r: F for r in ("unassigned", "invited", "accepted", "declined")},
}

# A reviewer the committee does not have (the chair's replacement is refused with 422).
UNKNOWN = "00000000-0000-4000-8000-000000000001"

P = "/proposals/{proposal_id}"
A = "/assignments/{assignment_id}"

# In the order each caller runs them: reads first, the requests that change what others
# see (withdraw, decline, decide) last.
TABLE: list[tuple[str, str, dict[str, Any] | None, dict[str, Any]]] = [
    ("GET", P, None, READ),
    ("GET", P + "/history", None, READ),
    ("GET", P + "/analysis", None, READ),
    ("GET", P + "/attachments", None, READ),
    ("GET", P + "/attachments/{attachment_id}", None, READ),
    ("GET", P + "/decision", None, READ),
    ("GET", P + "/reviews", None, REVIEWS),
    ("GET", P + "/assignments", None, MANAGE),
    ("GET", P + "/discussion", None, REVIEWS),
    ("GET", P + "/response", None, READ),
    ("GET", P + "/dossier.pdf", None, READ),
    ("POST", P + "/assignments/preview", None, MANAGE),
    ("GET", "/committees/{committee_id}", None, COMMITTEE),
    ("GET", "/committees/{committee_id}/reviewers", None, SIGNALS),
    ("PUT", "/reviews/{review_id}/rating", {"json": {"helpful": True}}, MANAGE),
    ("PATCH", "/committees/{committee_id}", {"json": {"quorum": 2}}, ADMIN_ONLY),
    ("PATCH", P, {"json": {"title": "Renamed"}}, EDIT),
    ("POST", P + "/attachments", {"files": {"file": ("a.csv", b"a,b\n1,2\n", "text/csv")}}, EDIT),
    ("DELETE", P + "/attachments/{attachment_id}", None, EDIT),
    ("GET", "/users/{user_id}", None, ADMIN_ONLY),
    ("PATCH", "/users/{user_id}", {"json": {"capacity": 4}}, ADMIN_ONLY),
    ("POST", P + "/submit", None, EDIT),
    ("POST", "/admin/proposals/{proposal_id}/redrive", None, ADMIN_ONLY),
    ("POST", "/admin/proposals/{proposal_id}/reanalyse", None, ADMIN_ONLY),
    ("GET", A, None, OWN_ASSIGNMENT),
    ("GET", A + "/review", None, OWN_ASSIGNMENT),
    # Bids close when the round starts: the proposal in review takes none, from anybody.
    ("PUT", P + "/bid", {"json": {"preference": "eager"}}, {role: N for role in READ}),
    ("POST", A + "/accept", None, OWN_ASSIGNMENT),
    ("PUT", A + "/review", {"json": full_review()}, OWN_ASSIGNMENT),
    ("POST", A + "/review/submit", None, OWN_ASSIGNMENT),
    ("POST", P + "/assignments", {"json": {"reviewer_ids": []}}, MANAGE),
    ("POST", P + "/discussion", {"json": {"body": "Strong data."}}, DISCUSS),
    ("PUT", P + "/meta-review", {"json": {"body": "The committee finds..."}}, MANAGE),
    ("POST", P + "/decision/preview", {"json": {"outcome": "approved"}}, MANAGE),
    ("POST", P + "/response", {"json": {"body": "We will clarify."}}, EDIT),
    ("POST", A + "/reconsider", {"json": {"reason": "Please look again."}}, MANAGE),
    ("DELETE", "/webhooks/{webhook_id}", None, WEBHOOK),
    ("POST", P + "/withdraw", {"json": {"reason": "no longer"}}, EDIT),
    ("POST", A + "/decline", {"json": {"reason": "too busy"}}, OWN_ASSIGNMENT),
    # An unknown reviewer: the chair gets 422 after the access check, and nothing changes.
    ("POST", A + "/replace", {"json": {"reviewer_id": UNKNOWN}}, MANAGE),
    (
        "POST",
        P + "/decision",
        {"json": {"outcome": "approved", "rationale": "Sound plan."}},
        MANAGE,
    ),
]


def _outcome(response: Any) -> str | int:
    if response.status_code in (401, 403):
        return int(response.status_code)
    # "Not found" for the object, not an allowed reader told there is nothing yet.
    if response.status_code == 404 and "yet" not in response.json().get("detail", ""):
        return 404
    return OK


def test_every_route_with_an_object_id_has_a_row() -> None:
    covered = {(method, "/api/v1" + path) for method, path, _, _ in TABLE}
    routes = {
        (method.upper(), path)
        for path, operations in create_app().openapi()["paths"].items()
        if "{" in path
        for method in operations
    }
    assert routes - covered == set(), "add these routes to the access-policy table"
    assert covered - routes == set(), "the table names routes the app does not have"


def test_every_row_names_every_role() -> None:
    for method, path, _, expected in TABLE:
        assert set(expected) == set(ROLES) - {"anonymous"}, (method, path)


@pytest.mark.parametrize("role", ROLES)
def test_access_policy_table(
    role: str, api: Api, client: Any, session: Any, committee: dict, draft: dict
) -> None:
    world: World = build_world(api, session, committee, draft)
    headers = {}
    if role != "anonymous":
        headers = {"Authorization": f"Bearer {api.login(world.emails[role])}"}
    found = []
    for method, path, body, expected in TABLE:
        url = "/api/v1" + path.format(**world.ids)
        kwargs = dict(body or {})
        if "json" in kwargs and "reviewer_ids" in kwargs["json"]:
            kwargs["json"] = {"reviewer_ids": [world.ids["unassigned_id"]]}
        response = client.request(method, url, headers=headers, **kwargs)
        want = U if role == "anonymous" else expected[role]
        if _outcome(response) != want:
            found.append(
                f"{method} {path}: expected {want}, got {response.status_code} "
                f"{response.text[:200]}"
            )
    assert found == [], "\n".join(found)
