"""Account pages without a browser: the stored language, a reviewer's profile, password codes."""

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Api


def _client() -> Any:
    from fastapi.testclient import TestClient

    from service.main import create_app

    return TestClient(create_app(), base_url="https://testserver")


@pytest.fixture
def web(db: None, broker: Any) -> Iterator[Any]:
    with _client() as test_client:
        yield test_client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def _sign_in(client: Any, email: str, **headers: str) -> str:
    token = _csrf(client.get("/login", headers=headers).text)
    response = client.post(
        "/login",
        data={"email": email, "password": "password-123", "csrf_token": token, "next": "/"},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return token


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_chosen_language_is_stored_and_follows_the_user_to_another_browser(
    web: Any, api: Api, committee: dict[str, Any]
) -> None:
    reviewer = committee["reviewers"][0]
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    token = _sign_in(web, reviewer, **english)
    chosen = web.post(
        "/language",
        data={"csrf_token": token, "language": "ru", "next": "/account"},
        follow_redirects=False,
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/account"
    assert api.as_(reviewer)("GET", "/me").json()["language"] == "ru"

    # A new browser that asks for English and has no language cookie: the account wins.
    with _client() as elsewhere:
        _sign_in(elsewhere, reviewer, **english)
        page = elsewhere.get("/assignments", headers=english)
        assert _lang(page.text) == "ru" and "Мои назначения" in page.text
        # ... even against a cookie left by someone else in this browser.
        elsewhere.cookies.set("lang", "zh_Hans")
        assert _lang(elsewhere.get("/account", headers=english).text) == "ru"


def test_signed_out_the_cookie_then_accept_language_choose(web: Any, db: None) -> None:
    assert _lang(web.get("/login", headers={"Accept-Language": "ru-RU"}).text) == "ru"
    token = _csrf(web.get("/login").text)
    web.post("/language", data={"csrf_token": token, "language": "zh_Hans", "next": "/login"})
    assert _lang(web.get("/login", headers={"Accept-Language": "ru-RU"}).text) == "zh-Hans"


def test_the_language_switcher_needs_the_csrf_token(
    web: Any, api: Api, committee: dict[str, Any]
) -> None:
    reviewer = committee["reviewers"][0]
    _sign_in(web, reviewer)
    refused = web.post("/language", data={"language": "ru"}, follow_redirects=False)
    assert refused.status_code == 403
    assert api.as_(reviewer)("GET", "/me").json()["language"] is None


def test_a_reviewer_edits_the_profile_as_patch_me_would(
    web: Any, api: Api, committee: dict[str, Any]
) -> None:
    reviewer = committee["reviewers"][1]
    token = _sign_in(web, reviewer)
    page = web.get("/account/profile")
    assert page.status_code == 200 and "cell therapy" in page.text
    saved = web.post(
        "/account/profile",
        data={
            "csrf_token": token,
            "expertise_keywords": "CAR-T\nGMP manufacturing, CAR-T",
            "expertise_profile": "Fifteen years of cell-therapy process development.",
            "capacity": "3",
            "period_start": ["2027-03-01", ""],
            "period_end": ["2027-03-14", ""],
            "standing_conflicts": "rival@other.example\nOther Pharma",
            "action": "save",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/account/profile?saved=1"
    me = api.as_(reviewer)("GET", "/me").json()
    assert me["expertise_keywords"] == ["CAR-T", "GMP manufacturing"]
    assert me["capacity"] == 3
    assert me["unavailable_periods"] == [{"start": "2027-03-01", "end": "2027-03-14"}]
    assert me["standing_conflicts"] == ["rival@other.example", "Other Pharma"]
    shown = web.get("/account/profile?saved=1").text
    assert 'value="2027-03-14"' in shown and 'role="status"' in shown

    # Removing the period keeps the rest.
    web.post(
        "/account/profile",
        data={
            "csrf_token": token,
            "expertise_keywords": "CAR-T",
            "capacity": "3",
            "period_start": ["2027-03-01"],
            "period_end": ["2027-03-14"],
            "period_remove": ["0"],
            "action": "save",
        },
    )
    me = api.as_(reviewer)("GET", "/me").json()
    assert me["unavailable_periods"] == [] and me["capacity"] == 3


def test_profile_errors_are_shown_beside_their_fields_and_nothing_is_saved(
    web: Any, api: Api, committee: dict[str, Any]
) -> None:
    reviewer = committee["reviewers"][2]
    token = _sign_in(web, reviewer)
    web.post("/language", data={"csrf_token": token, "language": "zh_Hans", "next": "/"})
    refused = web.post(
        "/account/profile",
        data={
            "csrf_token": token,
            "expertise_keywords": "regulatory dossier",
            "capacity": "500",
            "period_start": ["2027-05-10", "2027-06-01", "2027-07-01"],
            "period_end": ["2027-05-01", "", "not a date"],
            "action": "save",
        },
    )
    assert refused.status_code == 422
    html = refused.text
    assert 'id="capacity-error">不能大于 100。' in html
    assert 'id="unavailable_periods.0-error">结束日期早于开始日期。' in html
    assert 'id="unavailable_periods.1.end-error">此项为必填项。' in html
    assert 'id="unavailable_periods.2.end-error">请按“年-月-日”输入日期' in html
    assert 'aria-describedby="unavailable_periods.0-error"' in html
    assert 'value="2027-05-10"' in html  # what was typed stays in the form
    me = api.as_(reviewer)("GET", "/me").json()
    assert me["capacity"] == 5 and me["unavailable_periods"] == []


def test_adding_a_period_row_saves_nothing(web: Any, api: Api, committee: dict[str, Any]) -> None:
    reviewer = committee["reviewers"][0]
    token = _sign_in(web, reviewer)
    form = {
        "csrf_token": token,
        "capacity": "2",
        "period_start": ["2027-01-04"],
        "period_end": ["2027-01-08"],
        "action": "add_period",
    }
    more = web.post("/account/profile", data=form)
    assert more.status_code == 200
    assert more.text.count('name="period_start"') == 3  # the typed row and two empty ones
    assert api.as_(reviewer)("GET", "/me").json()["capacity"] == 5


def test_the_profile_form_needs_the_csrf_token(
    web: Any, api: Api, committee: dict[str, Any]
) -> None:
    reviewer = committee["reviewers"][0]
    _sign_in(web, reviewer)
    refused = web.post("/account/profile", data={"capacity": "1", "action": "save"})
    assert refused.status_code == 403
    assert api.as_(reviewer)("GET", "/me").json()["capacity"] == 5


def test_applicants_have_no_reviewer_profile(web: Any, committee: dict[str, Any]) -> None:
    token = _sign_in(web, committee["applicant"])
    assert "/account/profile" not in web.get("/account").text
    assert web.get("/account/profile").status_code == 403
    posted = web.post("/account/profile", data={"csrf_token": token, "capacity": "1"})
    assert posted.status_code == 403


def test_the_chair_has_a_reviewer_profile_too(web: Any, committee: dict[str, Any]) -> None:
    _sign_in(web, committee["chair"])
    assert 'href="/account/profile"' in web.get("/account").text
    assert web.get("/account/profile").status_code == 200


# --- password refusals by code ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "code", "params"),
    [
        ("short", "password_too_short", {"min_length": 10}),
        ("reviewer0 tundra harbour", "password_personal", {}),
        ("password1234", "password_guessable", {}),
    ],
)
def test_the_api_names_each_password_refusal_by_code(
    api: Api, committee: dict[str, Any], new: str, code: str, params: dict[str, int]
) -> None:
    from service.errors import ErrorBody

    refused = api.as_(committee["reviewers"][0])(
        "POST", "/me/password", json={"current_password": "password-123", "new_password": new}
    )
    assert refused.status_code == 422
    body = refused.json()
    ErrorBody.model_validate(body)  # still the documented error body
    [problem] = body["fields"]
    assert (problem["field"], problem["code"], problem["params"]) == ("new_password", code, params)
    assert problem["message"].startswith("new_password: ")  # the English text stays


def test_a_wrong_current_password_has_its_code(api: Api, committee: dict[str, Any]) -> None:
    refused = api.as_(committee["reviewers"][0])(
        "POST", "/me/password", json={"current_password": "nope", "new_password": "x" * 12}
    )
    [problem] = refused.json()["fields"]
    assert (problem["field"], problem["code"]) == ("current_password", "password_incorrect")


def test_errors_without_a_code_keep_their_old_shape(api: Api, committee: dict[str, Any]) -> None:
    refused = api.as_(committee["admin"])(
        "POST",
        "/invitations",
        json={"email": "x@y.example", "full_name": "X", "role": "applicant",
              "organisation_id": "00000000-0000-0000-0000-000000000000"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert all(set(f) == {"field", "message"} for f in refused.json()["fields"])


@pytest.mark.parametrize(
    ("language", "new", "expected"),
    [
        ("zh_Hans", "short", "至少使用 10 个字符。"),
        ("ru", "short", "Введите не менее 10 символов."),
        ("zh_Hans", "reviewer0 tundra harbour", "密码中不得包含您的电子邮件地址或姓名。"),
        ("ru", "reviewer0 tundra harbour", "Пароль не должен содержать ваш адрес"),
        ("zh_Hans", "password1234", "这个密码太容易被猜到"),
        ("ru", "password1234", "Этот пароль слишком легко угадать"),
    ],
)
def test_the_page_words_each_password_refusal_by_its_code(
    web: Any, committee: dict[str, Any], language: str, new: str, expected: str
) -> None:
    token = _sign_in(web, committee["reviewers"][0])
    web.post("/language", data={"csrf_token": token, "language": language, "next": "/"})
    refused = web.post(
        "/account/password",
        data={"csrf_token": token, "current_password": "password-123", "new_password": new},
    )
    assert refused.status_code == 422
    assert f'id="new_password-error">{expected}' in refused.text


def test_the_page_translates_by_code_not_by_the_english_reason() -> None:
    from service.errors import InvalidInput
    from service.web.forms import password_error
    from service.web.render import gettext

    # An English reason the page has never seen, with a known code: the code decides.
    refused = InvalidInput(
        "new_password: something reworded", field="new_password",
        code="password_too_short", params={"min_length": 14},
    )  # fmt: skip
    assert password_error(refused, lambda m: gettext("ru", m)) == "Введите не менее 14 символов."


def test_an_account_created_with_a_short_password_is_refused_with_the_code(
    api: Api, committee: dict[str, Any]
) -> None:
    refused = api.as_(committee["admin"])(
        "POST",
        "/users",
        json={"email": "new@reviewers.example", "full_name": "New Reviewer", "role": "reviewer",
              "password": "short"},
    )  # fmt: skip
    assert refused.status_code == 422
    [problem] = refused.json()["fields"]
    assert (problem["field"], problem["code"]) == ("password", "password_too_short")
    assert problem["params"] == {"min_length": 10}
    assert problem["message"] == "use at least 10 characters"
