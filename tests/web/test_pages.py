"""The pages over HTTP without a browser: sessions, CSRF, forms and their errors, access."""

import re
from collections.abc import Iterator
from typing import Any

import pytest

from service.committees.models import DEFAULT_RUBRIC
from tests.conftest import COMPLETE_PROPOSAL, Api

PDF = b"%PDF-1.7\n" + b"business plan " * 50
RUBRIC = [c.key for c in DEFAULT_RUBRIC]


@pytest.fixture
def web(db: None, broker: Any) -> Iterator[Any]:
    """A browser-like client over https: the cookies are Secure outside development."""
    from fastapi.testclient import TestClient

    from service.main import create_app

    with TestClient(create_app(), base_url="https://testserver") as test_client:
        yield test_client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def _sign_in(client: Any, email: str) -> str:
    """Sign in through the page; returns a CSRF token for the next forms."""
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": "password-123", "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert "committee_session" in response.cookies
    return token


def test_a_form_posted_without_its_csrf_token_is_refused(
    web: Any, committee: dict[str, Any]
) -> None:
    web.get("/login")  # the browser holds a CSRF cookie, as it would
    response = web.post(
        "/login",
        data={"email": committee["applicant"], "password": "password-123"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "committee_session" not in response.cookies
    forged = web.post(
        "/login",
        data={
            "email": committee["applicant"],
            "password": "password-123",
            "csrf_token": "forged.0000",
        },
        follow_redirects=False,
    )
    assert forged.status_code == 403


def test_a_token_from_another_browser_is_refused(web: Any, committee: dict[str, Any]) -> None:
    token = _csrf(web.get("/login").text)
    web.cookies.clear()  # another browser: no cookie, or its own
    response = web.post(
        "/login",
        data={"email": committee["applicant"], "password": "password-123", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_session_cookie_is_http_only_and_same_site_lax(web: Any, committee: dict[str, Any]) -> None:
    token = _csrf(web.get("/login").text)
    response = web.post(
        "/login",
        data={"email": committee["applicant"], "password": "password-123", "csrf_token": token},
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "session" in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie  # the suite runs with ENVIRONMENT=test: not development


def test_wrong_password_shows_the_form_again_with_the_error(
    web: Any, committee: dict[str, Any]
) -> None:
    token = _csrf(web.get("/login").text)
    response = web.post(
        "/login",
        data={"email": committee["applicant"], "password": "nope", "csrf_token": token},
        headers={"Accept-Language": "ru"},
    )
    assert response.status_code == 401
    assert "Неверный адрес электронной почты или пароль." in response.text


def test_pages_need_a_signed_in_user(web: Any, db: None) -> None:
    response = web.get("/proposals", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/proposals"


def test_draft_form_shows_each_error_next_to_its_field(web: Any, committee: dict[str, Any]) -> None:
    web.cookies.set("lang", "zh_Hans")
    token = _sign_in(web, committee["applicant"])
    response = web.post(
        "/proposals/new",
        data={"csrf_token": token, "title": "ab", "budget_requested": "-5"},
    )
    assert response.status_code == 422
    assert 'id="title-error">至少使用 3 个字符。' in response.text
    assert 'id="budget_requested-error">' in response.text


def test_applicant_creates_attaches_and_submits_by_forms(
    web: Any, api: Api, committee: dict[str, Any]
) -> None:
    token = _sign_in(web, committee["applicant"])
    form = {
        **{k: str(v) for k, v in COMPLETE_PROPOSAL.items() if not isinstance(v, list)},
        "keywords": "bispecific\noncology",
        "csrf_token": token,
    }
    created = web.post(
        "/proposals/new",
        data={**form, "target_markets": ["CN", "KZ"]},
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = created.headers["location"]
    proposal_id = page.rsplit("/", 1)[1]
    uploaded = web.post(
        f"{page}/attachments",
        data={"csrf_token": token},
        files={"file": ("plan.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    assert "plan.pdf" in web.get(page).text
    submitted = web.post(f"{page}/submit", data={"csrf_token": token}, follow_redirects=False)
    assert submitted.status_code == 303
    seen = api.as_(committee["applicant"])("GET", f"/proposals/{proposal_id}").json()
    assert seen["state"] == "screening"
    assert seen["target_markets"] == ["CN", "KZ"]
    assert seen["keywords"] == ["bispecific", "oncology"]


def test_another_organisation_cannot_open_the_proposal_page(
    web: Any, api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    _sign_in(web, committee["rival"])
    response = web.get(f"/proposals/{draft['id']}")
    assert response.status_code == 404


def test_signing_out_clears_the_session(web: Any, committee: dict[str, Any]) -> None:
    token = _sign_in(web, committee["applicant"])
    response = web.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert web.get("/proposals", follow_redirects=False).status_code == 303


def test_reviewer_declines_an_invitation_declaring_a_conflict(
    web: Any, api: Api, session: Any, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    from service.assignment.models import AssignmentStatus
    from tests.factories import put_in_review

    staged = put_in_review(
        api, session, committee, draft, reviewers=1, status=AssignmentStatus.invited
    )
    reviewer = committee["reviewers"][0]
    assignment = staged.assignments[reviewer]
    token = _sign_in(web, reviewer)
    invitation = web.get(f"/assignments/{assignment}")
    assert "Bispecific antibody R&amp;D centre" in invitation.text
    assert 'id="review-form"' not in invitation.text  # no review before accepting
    declined = web.post(
        f"/assignments/{assignment}/decline",
        data={
            "csrf_token": token,
            "reason": "I advise a competitor",
            "conflict_of_interest": "yes",
        },
        follow_redirects=False,
    )
    assert declined.status_code == 303
    items = api.as_(reviewer)("GET", "/assignments").json()["items"]
    assert [i["status"] for i in items] == ["declined"]


def test_a_review_is_submitted_only_with_the_confirmation(
    web: Any, api: Api, session: Any, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    from tests.factories import put_in_review

    staged = put_in_review(api, session, committee, draft, reviewers=1)
    reviewer = committee["reviewers"][0]
    assignment = staged.assignments[reviewer]
    token = _sign_in(web, reviewer)
    form = {
        "csrf_token": token,
        "recommendation": "approve",
        "confidence": "4",
        "comments_for_applicant": "Clear plan.",
        **{f"score_{key}": "4" for key in RUBRIC},
    }
    unconfirmed = web.post(f"/assignments/{assignment}/review", data={**form, "submit": "yes"})
    assert unconfirmed.status_code == 422
    draft_seen = api.as_(committee["chair"])("GET", f"/proposals/{draft['id']}/reviews").json()
    assert draft_seen["reviews"] == []  # saved as a draft, not submitted
    confirmed = web.post(
        f"/assignments/{assignment}/review",
        data={**form, "submit": "yes", "confirm": "yes"},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    reviews = api.as_(committee["chair"])("GET", f"/proposals/{draft['id']}/reviews").json()
    assert [r["comments_for_applicant"] for r in reviews["reviews"]] == ["Clear plan."]


def test_a_refused_upload_is_explained_beside_the_file_input(
    web: Any, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    web.cookies.set("lang", "ru")
    token = _sign_in(web, committee["applicant"])
    response = web.post(
        f"/proposals/{draft['id']}/attachments",
        data={"csrf_token": token},
        files={"file": ("plan.exe", b"MZ\x90\x00", "application/octet-stream")},
    )
    assert response.status_code == 415
    assert 'id="file-error" role="alert">Файлы этого типа не принимаются' in response.text


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_sign_in_never_redirects_to_another_site(
    web: Any, committee: dict[str, Any], target: str
) -> None:
    token = _csrf(web.get("/login").text)
    response = web.post(
        "/login",
        data={
            "email": committee["applicant"],
            "password": "password-123",
            "csrf_token": token,
            "next": target,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_attachments_are_removed_only_while_the_proposal_is_editable(
    web: Any, api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    call = api.as_(committee["applicant"])
    files = f"/proposals/{draft['id']}/attachments"
    first = call("POST", files, files={"file": ("plan.pdf", PDF)}).json()["id"]
    second = call("POST", files, files={"file": ("annex.pdf", PDF + b"annex")}).json()["id"]
    token = _sign_in(web, committee["applicant"])
    removed = web.post(
        f"{files}/{first}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert [a["filename"] for a in call("GET", files).json()] == ["annex.pdf"]
    assert call("POST", f"/proposals/{draft['id']}/submit").status_code == 200
    assert call("DELETE", f"{files}/{second}").status_code == 409
    refused = web.post(f"{files}/{second}/delete", data={"csrf_token": token})
    assert refused.status_code == 409
    assert [a["filename"] for a in call("GET", files).json()] == ["annex.pdf"]


def test_a_reviewer_who_submitted_reads_and_joins_the_discussion(
    web: Any, api: Api, session: Any, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    from tests.factories import full_review, put_in_review, review

    staged = put_in_review(api, session, committee, draft, reviewers=3)
    reviewer = committee["reviewers"][0]
    assignment = staged.assignments[reviewer]
    chair = api.as_(committee["chair"])
    discussion = f"/proposals/{draft['id']}/discussion"
    assert chair("POST", discussion, json={"body": "Is the budget plausible?"}).status_code == 201
    token = _sign_in(web, reviewer)
    assert 'id="discussion"' not in web.get(f"/assignments/{assignment}").text  # not before
    review(api, reviewer, assignment, full_review())
    web.cookies.set("lang", "ru")
    page = web.get(f"/assignments/{assignment}").text
    assert "Is the budget plausible?" in page
    assert "chair" in page  # the author's name
    assert "Обсуждение этого раунда" in page
    blank = web.post(
        f"/assignments/{assignment}/discussion", data={"csrf_token": token, "body": " "}
    )
    assert blank.status_code == 422
    assert 'id="body-error" role="alert">' in blank.text
    assert [c["body"] for c in chair("GET", discussion).json()] == ["Is the budget plausible?"]
    posted = web.post(
        f"/assignments/{assignment}/discussion",
        data={"csrf_token": token, "body": "It is, for a phase II programme."},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == f"/assignments/{assignment}#discussion"
    thread = chair("GET", discussion).json()
    assert [(c["author_name"], c["body"]) for c in thread][1] == (
        "reviewer0",
        "It is, for a phase II programme.",
    )
    unsigned = web.post(
        f"/assignments/{assignment}/discussion", data={"body": "forged"}, follow_redirects=False
    )
    assert unsigned.status_code == 403
    assert len(chair("GET", discussion).json()) == 2


def test_a_reviewer_bids_on_a_waiting_proposal_by_a_plain_form(
    web: Any, api: Api, session: Any, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    from tests.factories import put_in_assignment

    put_in_assignment(api, session, committee, draft)
    session.commit()
    reviewer = committee["reviewers"][1]
    web.cookies.set("lang", "zh_Hans")
    token = _sign_in(web, reviewer)
    page = web.get("/bids").text
    assert "Bispecific antibody R&amp;D centre" in page
    assert "PD-1 x VEGF" in page
    assert "肿瘤" in page  # the area, in the reader's language
    assert 'href="/bids"' in page  # the header links the page
    wrong = web.post(f"/bids/{draft['id']}", data={"csrf_token": token, "preference": "keen"})
    assert wrong.status_code == 422
    assert api.as_(reviewer)("GET", "/bids").json()["items"][0]["preference"] is None
    placed = web.post(
        f"/bids/{draft['id']}",
        data={"csrf_token": token, "preference": "eager"},
        follow_redirects=False,
    )
    assert placed.status_code == 303
    assert api.as_(reviewer)("GET", "/bids").json()["items"][0]["preference"] == "eager"
    assert '<option value="eager" selected>' in web.get(placed.headers["location"]).text


def test_applicants_have_no_bids_page(
    web: Any, api: Api, session: Any, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    _sign_in(web, committee["applicant"])
    assert web.get("/bids").status_code == 403


def test_the_applicant_reads_the_labelled_comments_and_answers_once(
    web: Any, api: Api, session: Any, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    from uuid import UUID

    from service.committees.models import Committee
    from tests.factories import put_in_review, reach_deliberation, state_of

    board = session.get(Committee, UUID(committee["committee_id"]))
    board.applicant_response_days = 5
    session.add(board)
    session.commit()
    staged = put_in_review(api, session, committee, draft, reviewers=3)
    reach_deliberation(api, session, committee, staged)
    assert state_of(session, draft["id"]) == "applicant_response"
    web.cookies.set("lang", "ru")
    token = _sign_in(web, committee["applicant"])
    page = web.get(f"/proposals/{draft['id']}").text
    assert "Рецензент A" in page and "Рецензент B" in page
    assert "Strong preclinical package." in page
    assert "The CMC lead left last year." not in page  # confidential comments stay inside
    assert "reviewer0" not in page  # never a name
    assert 'action="/proposals/' + draft["id"] + '/response"' in page
    blank = web.post(f"/proposals/{draft['id']}/response", data={"csrf_token": token, "body": ""})
    assert blank.status_code == 422
    assert 'id="body-error" role="alert">' in blank.text
    assert state_of(session, draft["id"]) == "applicant_response"
    answered = web.post(
        f"/proposals/{draft['id']}/response",
        data={"csrf_token": token, "body": "The release strategy is in annex 3."},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    assert state_of(session, draft["id"]) == "deliberation"
    after = web.get(f"/proposals/{draft['id']}").text
    assert "The release strategy is in annex 3." in after
    assert '/response"' not in after  # answered once: no form any more
    reviewer = committee["reviewers"][0]
    web.post("/logout", data={"csrf_token": token})
    _sign_in(web, reviewer)
    seen = web.get(f"/assignments/{staged.assignments[reviewer]}").text
    assert 'id="applicant-answer"' in seen and "The release strategy is in annex 3." in seen
    token = _sign_in(web, committee["applicant"])
    again = web.post(
        f"/proposals/{draft['id']}/response", data={"csrf_token": token, "body": "And more."}
    )
    assert again.status_code == 409


def test_the_applicant_reads_every_rounds_decision(
    web: Any, api: Api, session: Any, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    from tests.factories import put_in_review, reach_deliberation

    chair = api.as_(committee["chair"])
    decision = f"/proposals/{draft['id']}/decision"
    for outcome, message in (
        ("revision_requested", "Please clarify the batch release strategy."),
        ("approved", "Approved: congratulations."),
    ):
        # The second pass resubmits the revised proposal and runs its round the same way.
        staged = put_in_review(api, session, committee, draft)
        reach_deliberation(api, session, committee, staged)
        decided = chair(
            "POST",
            decision,
            json={"outcome": outcome, "rationale": "Settled.", "message_to_applicant": message},
        )
        assert decided.status_code == 200, decided.text
    web.cookies.set("lang", "zh_Hans")
    _sign_in(web, committee["applicant"])
    page = web.get(f"/proposals/{draft['id']}").text
    assert page.index("Approved: congratulations.") < page.index("Please clarify the batch")
    assert "较早的轮次" in page  # "Earlier rounds"
    assert "Clarify the batch release strategy." in page  # round 1's comments for applicants
    assert "Settled." not in page  # the rationale is the committee's


def test_account_settings_change_the_password_with_errors_beside_the_fields(
    web: Any, api: Api, committee: dict[str, Any]
) -> None:
    reviewer = committee["reviewers"][0]
    other_session = api.as_(reviewer)  # signed in elsewhere: ends with the change
    assert other_session("GET", "/me").status_code == 200
    web.cookies.set("lang", "ru")
    token = _sign_in(web, reviewer)
    page = web.get("/account").text
    assert 'href="/account"' in page and 'autocomplete="current-password"' in page
    wrong = web.post(
        "/account/password",
        data={"csrf_token": token, "current_password": "nope", "new_password": "x"},
    )
    assert wrong.status_code == 422
    assert 'id="current_password-error">Текущий пароль указан неверно.' in wrong.text
    short = web.post(
        "/account/password",
        data={"csrf_token": token, "current_password": "password-123", "new_password": "short"},
    )
    assert short.status_code == 422
    assert 'id="new_password-error">Введите не менее 10 символов.' in short.text
    weak = web.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "password-123",
            "new_password": "password1234",
        },
    )
    assert 'id="new_password-error">Этот пароль слишком легко угадать' in weak.text
    changed = web.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": "password-123",
            "new_password": "violet tundra harbour quietly",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert web.get("/account").status_code == 200  # this session goes on
    assert other_session("GET", "/me").status_code == 401  # the others end
