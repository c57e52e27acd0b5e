"""The chair's pages over HTTP: what they show, who they refuse, each error beside its field."""

import re
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import Session, select

from service.assignment.models import Assignment, ConflictRecord
from service.auth.models import Language, User
from service.reviews.models import Decision, MetaReview
from service.web.chair import LETTERS
from service.web.i18n import reader_language, translations
from tests.conftest import COMPLETE_PROPOSAL, Api
from tests.factories import (
    InReview,
    put_in_assignment,
    put_in_review,
    reach_deliberation,
    second_committee,
    state_of,
    status_of,
    user_id,
)


@pytest.fixture
def web(db: None, broker: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from service.main import create_app

    with TestClient(create_app(), base_url="https://testserver") as test_client:
        yield test_client


def _sign_in(client: Any, email: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found
    response = client.post(
        "/login",
        data={"email": email, "password": "password-123", "csrf_token": found.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return found.group(1)


def _proposal(api: Api, committee: dict[str, Any], **changes: Any) -> dict[str, Any]:
    created = api.as_(committee["applicant"])(
        "POST", "/proposals", json={**COMPLETE_PROPOSAL, **changes}
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


def _deliberating(api: Api, session: Session, committee: dict[str, Any], title: str) -> InReview:
    staged = put_in_review(api, session, committee, _proposal(api, committee, title=title))
    reach_deliberation(api, session, committee, staged)
    return staged


def test_the_board_groups_the_committee_s_proposals_by_stage_with_filters(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    _deliberating(api, session, committee, "Deliberating antibody")
    put_in_assignment(
        api,
        session,
        committee,
        _proposal(api, committee, title="Waiting CAR-T", therapeutic_area="hematology"),
    )
    session.commit()
    _sign_in(web, committee["chair"])
    page = web.get("/board")
    assert page.status_code == 200
    assert "Deliberating antibody" in page.text and "Waiting CAR-T" in page.text
    counts = page.text.split('id="stage-counts"')[1].split("</table>")[0]
    assert re.search(r"Committee deliberation</a></th>\s*<td[^>]*>1</td>", counts)
    assert re.search(r"Choosing reviewers</a></th>\s*<td[^>]*>1</td>", counts)
    # The waiting proposal links to its reviewers, the deliberating one to its reviews.
    assert '/assignment">Waiting CAR-T' in page.text
    filtered = web.get("/board?area=hematology").text
    assert "Waiting CAR-T" in filtered and "Deliberating antibody" not in filtered
    assert "Waiting CAR-T" not in web.get("/board?modality=small_molecule").text
    assert "Deliberating antibody" not in web.get("/board?band=strong").text


def test_the_board_is_for_chairs_of_the_committee(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    _deliberating(api, session, committee, "Deliberating antibody")
    board, _ = second_committee(session, committee["admin"])
    session.commit()
    _sign_in(web, "other.chair@committee.example")
    assert "Deliberating antibody" not in web.get("/board").text
    assert web.get(f"/board?committee={committee['committee_id']}").status_code == 404
    assert web.get(f"/board?committee={board.id}").status_code == 200
    web.cookies.clear()
    _sign_in(web, committee["applicant"])
    assert web.get("/board").status_code == 403
    assert web.get("/board/decisions").status_code == 403
    web.cookies.clear()
    _sign_in(web, committee["reviewers"][0])
    assert web.get("/board/ranking").status_code == 403


def test_the_ranking_sorts_on_the_server_and_flags_disagreement(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    _deliberating(api, session, committee, "Beta proposal")
    _deliberating(api, session, committee, "Alpha proposal")
    _sign_in(web, committee["chair"])
    page = web.get("/board/ranking?sort=title&order=asc").text
    assert page.index("Alpha proposal") < page.index("Beta proposal")
    descending = web.get("/board/ranking?sort=title&order=desc").text
    assert descending.index("Beta proposal") < descending.index("Alpha proposal")
    assert 'aria-sort="descending"' in descending
    # Scores of 5 and 3: the mean overall and a spread of 2 points, which flags disagreement.
    table = page.split('id="ranking"')[1]
    assert ">4</strong>" in table
    assert "The reviewers disagree" in table
    assert "Innovative technology" in table
    by_criterion = web.get("/board/ranking?sort=c.innovative_technology&order=asc").text
    assert '<option value="c.innovative_technology" selected>' in by_criterion
    assert '<option value="asc" selected>' in by_criterion
    # An unknown sort key falls back to the overall score rather than failing.
    assert web.get("/board/ranking?sort=nonsense").status_code == 200


def test_the_reviews_side_by_side_with_the_confidential_comments(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    staged = _deliberating(api, session, committee, "Deliberating antibody")
    _sign_in(web, committee["chair"])
    page = web.get(f"/board/proposals/{staged.proposal_id}").text
    table = page.split('id="side-by-side"')[1].split("</table>")[0]
    for email in committee["reviewers"][:2]:
        assert email.split("@")[0] in table
    assert "The CMC lead left last year." in page
    assert "Clarify the batch release strategy." in page
    assert web.get(f"/board/proposals/{staged.proposal_id}?version=2").status_code == 404


def test_a_chair_page_is_refused_to_others(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    staged = _deliberating(api, session, committee, "Deliberating antibody")
    second_committee(session, committee["admin"])
    session.commit()
    pages = ["", "/assignment", "/decision"]
    _sign_in(web, "other.chair@committee.example")
    for suffix in pages:
        assert web.get(f"/board/proposals/{staged.proposal_id}{suffix}").status_code == 404
    web.cookies.clear()
    _sign_in(web, committee["applicant"])
    for suffix in pages:
        assert web.get(f"/board/proposals/{staged.proposal_id}{suffix}").status_code == 403
    web.cookies.clear()
    # A reviewer who submitted reads the reviews on its own page, not on the chair's.
    _sign_in(web, committee["reviewers"][0])
    for suffix in pages:
        assert web.get(f"/board/proposals/{staged.proposal_id}{suffix}").status_code == 403


def test_meta_review_discussion_and_reconsider_show_errors_beside_their_fields(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    staged = _deliberating(api, session, committee, "Deliberating antibody")
    base = f"/board/proposals/{staged.proposal_id}"
    web.cookies.set("lang", "ru")
    token = _sign_in(web, committee["chair"])
    empty = web.post(f"{base}/meta-review", data={"csrf_token": token, "body": "  "})
    assert empty.status_code == 422
    said = translations("ru").gettext("Write something first: the text is empty.")
    assert f'id="meta-error">{said}' in empty.text
    saved = web.post(
        f"{base}/meta-review",
        data={"csrf_token": token, "body": "Strong science, thin CMC."},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert session.exec(select(MetaReview)).one().body == "Strong science, thin CMC."
    comment = web.post(f"{base}/discussion", data={"csrf_token": token, "body": ""})
    assert comment.status_code == 422 and 'id="comment-error"' in comment.text
    posted = web.post(
        f"{base}/discussion",
        data={"csrf_token": token, "body": "Shall we ask for stability data?"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert "Shall we ask for stability data?" in web.get(base).text
    first = committee["reviewers"][0]
    assignment = staged.assignments[first]
    blank = web.post(
        f"/board/assignments/{assignment}/reconsider", data={"csrf_token": token, "reason": ""}
    )
    assert blank.status_code == 422 and 'id="reason-error"' in blank.text
    asked = web.post(
        f"/board/assignments/{assignment}/reconsider",
        data={"csrf_token": token, "reason": "Please weigh the CMC risk."},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    assert status_of(session, assignment) == "accepted"


def test_the_decision_letter_starts_in_the_applicant_s_language_and_previews(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    staged = _deliberating(api, session, committee, "Deliberating antibody")
    base = f"/board/proposals/{staged.proposal_id}/decision"
    token = _sign_in(web, committee["chair"])
    # No language chosen: the organisation is in China, so the letter is in Chinese.
    chinese = translations("zh_Hans").gettext(LETTERS["rejected"])
    assert chinese != LETTERS["rejected"]
    page = web.get(f"{base}?outcome=rejected").text
    assert chinese.replace("{title}", "Deliberating antibody") in page
    applicant = session.exec(select(User).where(User.email == committee["applicant"])).one()
    applicant.language = Language.ru
    session.commit()
    russian = translations("ru").gettext(LETTERS["approved"]).split("{title}")[0]
    assert russian in web.get(base).text
    preview = web.post(
        base,
        data={
            "csrf_token": token,
            "outcome": "revision_requested",
            "message_to_applicant": "Пожалуйста, добавьте данные.",
            "action": "preview",
        },
    )
    assert preview.status_code == 200
    letter = preview.text.split('id="letter"')[1]
    assert "Пожалуйста, добавьте данные." in letter
    assert "Запрошена доработка" in letter  # the outcome, in the applicant's Russian
    assert "Strong preclinical package." in letter
    assert "The CMC lead left last year." not in letter
    assert state_of(session, staged.proposal_id) == "deliberation"


def test_deciding_needs_a_rationale_and_a_confirmation(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    staged = _deliberating(api, session, committee, "Deliberating antibody")
    base = f"/board/proposals/{staged.proposal_id}/decision"
    token = _sign_in(web, committee["chair"])
    form = {"csrf_token": token, "outcome": "approved", "action": "decide"}
    no_reason = web.post(
        base, data={**form, "message_to_applicant": "Well done.", "confirm": "yes"}
    )
    assert no_reason.status_code == 422 and 'id="rationale-error"' in no_reason.text
    assert "Well done." in no_reason.text  # what was typed stays
    unconfirmed = web.post(base, data={**form, "rationale": "Sound plan."})
    assert unconfirmed.status_code == 422 and 'id="confirm-error"' in unconfirmed.text
    assert state_of(session, staged.proposal_id) == "deliberation"
    decided = web.post(
        base,
        data={
            **form,
            "rationale": "Sound plan.",
            "message_to_applicant": "Well done.",
            "confirm": "yes",
        },
        follow_redirects=False,
    )
    assert decided.status_code == 303
    assert state_of(session, staged.proposal_id) == "approved"
    assert session.exec(select(Decision)).one().message_to_applicant == "Well done."


def test_a_batch_decides_each_chosen_proposal_with_its_own_letter(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    first = _deliberating(api, session, committee, "First proposal")
    second = _deliberating(api, session, committee, "Second proposal")
    left = _deliberating(api, session, committee, "Left alone")
    token = _sign_in(web, committee["chair"])
    page = web.get("/board/decisions?outcome=rejected").text
    for title in ("First proposal", "Second proposal", "Left alone"):
        assert title in page
    nothing = web.post(
        "/board/decisions", data={"csrf_token": token, "outcome": "rejected", "rationale": "x"}
    )
    assert nothing.status_code == 422 and 'id="items-error"' in nothing.text
    no_reason = web.post(
        "/board/decisions",
        data={"csrf_token": token, "outcome": "rejected", "proposal": [first.proposal_id]},
    )
    assert no_reason.status_code == 422 and 'id="rationale-error"' in no_reason.text
    done = web.post(
        "/board/decisions",
        data={
            "csrf_token": token,
            "outcome": "rejected",
            "rationale": "Outside this year's priorities.",
            "proposal": [first.proposal_id, second.proposal_id],
            f"letter-{first.proposal_id}": "Letter for the first.",
            f"letter-{second.proposal_id}": "Letter for the second.",
            f"letter-{left.proposal_id}": "Never sent.",
        },
    )
    assert done.status_code == 200
    results = done.text.split('id="results"')[1].split("</section>")[0]
    assert results.count("decided; the applicant has been told.") == 2
    letters = {str(d.proposal_id): d.message_to_applicant for d in session.exec(select(Decision))}
    assert letters == {
        first.proposal_id: "Letter for the first.",
        second.proposal_id: "Letter for the second.",
    }
    assert state_of(session, left.proposal_id) == "deliberation"
    again = web.post(
        "/board/decisions",
        data={
            "csrf_token": token,
            "outcome": "rejected",
            "rationale": "Again.",
            "proposal": [first.proposal_id],
        },
    )
    assert "not decided:" in again.text.split('id="results"')[1]


def test_assignment_preview_apply_and_refusals_shown_beside_the_field(
    web: Any, api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    proposal = put_in_assignment(api, session, committee, draft)
    conflicted = user_id(session, committee["reviewers"][2])
    session.add(ConflictRecord(reviewer_id=conflicted, proposal_id=proposal.id, reason="co-author"))
    session.commit()
    base = f"/board/proposals/{proposal.id}/assignment"
    token = _sign_in(web, committee["chair"])
    page = web.get(base).text
    proposed = page.split('id="proposed"')[1].split("</table>")[0]
    assert "reviewer0" in proposed and "reviewer1" in proposed
    excluded = page.split('id="excluded"')[1].split("</table>")[0]
    assert "reviewer2" in excluded and "co-author" in excluded
    refused = web.post(
        base, data={"csrf_token": token, "action": "invite", "reviewer_id": str(conflicted)}
    )
    assert refused.status_code == 409
    assert 'id="invite-error">This reviewer has a conflict of interest' in refused.text
    none_chosen = web.post(base, data={"csrf_token": token, "action": "invite"})
    assert none_chosen.status_code == 422 and 'id="invite-error">Choose a reviewer.' in (
        none_chosen.text
    )
    reviewers = re.findall(r'name="reviewer_id" value="([^"]+)"', page)
    applied = web.post(
        base,
        data={"csrf_token": token, "action": "apply", "reviewer_id": reviewers},
        follow_redirects=False,
    )
    assert applied.status_code == 303
    invited = session.exec(select(Assignment).where(Assignment.proposal_id == proposal.id)).all()
    assert sorted(str(a.reviewer_id) for a in invited) == sorted(reviewers)
    # Three reviewers a proposal, one in conflict: it waits for a third chosen by hand.
    assert state_of(session, str(proposal.id)) == "assignment"


def test_replacing_a_reviewer_from_the_page(
    web: Any, api: Api, session: Session, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    staged = put_in_review(api, session, committee, draft, reviewers=2)
    first, second, third = committee["reviewers"]
    token = _sign_in(web, committee["chair"])
    held = staged.assignments[first]
    capacity_full = session.exec(select(User).where(User.email == third)).one()
    capacity_full.capacity = 0
    session.commit()
    full = web.post(
        f"/board/assignments/{held}/replace",
        data={"csrf_token": token, "reviewer_id": str(capacity_full.id)},
    )
    assert full.status_code == 409
    assert 'id="replace-error">This reviewer has no capacity left' in full.text
    assert status_of(session, held) == "accepted"
    capacity_full.capacity = 5
    session.commit()
    moved = web.post(
        f"/board/assignments/{held}/replace",
        data={"csrf_token": token, "reviewer_id": str(capacity_full.id)},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert status_of(session, held) == "replaced"
    assert second  # the other reviewer keeps its slot
    assert status_of(session, staged.assignments[second]) == "accepted"


def test_chair_forms_need_the_csrf_token(
    web: Any, api: Api, session: Session, committee: dict[str, Any]
) -> None:
    staged = _deliberating(api, session, committee, "Deliberating antibody")
    _sign_in(web, committee["chair"])
    response = web.post(
        f"/board/proposals/{staged.proposal_id}/decision",
        data={"outcome": "approved", "rationale": "x", "confirm": "yes", "action": "decide"},
    )
    assert response.status_code == 403
    assert state_of(session, staged.proposal_id) == "deliberation"


@pytest.mark.parametrize(
    ("chosen", "country", "language"),
    [
        (None, "CN", "zh_Hans"),
        (None, "KZ", "ru"),
        (None, "by", "ru"),
        (None, "US", "en"),
        (None, None, "en"),
        ("en", "CN", "en"),
        ("ru", "US", "ru"),
        ("xx", "UZ", "ru"),
    ],
)
def test_a_reader_s_language_is_its_choice_else_its_country_s(
    chosen: str | None, country: str | None, language: str
) -> None:
    assert reader_language(chosen, country) == language


def test_unknown_uuid_parameters_answer_not_found(web: Any, committee: dict[str, Any]) -> None:
    _sign_in(web, committee["chair"])
    assert web.get("/board?committee=nope").status_code == 404
    assert web.get(f"/board/proposals/{UUID(int=1)}").status_code == 404
