"""The chair's path in headless Chromium against a real API process and a real worker: a
proposal the worker cannot staff, its reviewers chosen on the page; a round's ranking; a
meta-review; a batch decision. Every page is photographed (desktop and phone) and checked
with axe-core, in English, and the main ones in Chinese and Russian too.
"""

from typing import Any
from uuid import UUID

from sqlmodel import Session, select

from service.auth.models import User
from service.proposals.models import Proposal
from tests.conftest import Api
from tests.factories import full_review
from tests.pipeline.conftest import Process, state_of, submitted_proposal, wait_for
from tests.web import test_browser as harness
from tests.web.conftest import DESKTOP

api_of = harness.api_of
Browsing = harness.Browsing
SECONDS = harness.PIPELINE_SECONDS


def _capacity(session: Session, email: str, capacity: int) -> UUID:
    reviewer = session.exec(select(User).where(User.email == email)).one()
    reviewer.capacity = capacity
    session.commit()
    return reviewer.id


def _unstaffed(session: Session, proposal_id: str) -> bool:
    session.expire_all()
    proposal = session.get(Proposal, UUID(proposal_id))
    return proposal is not None and bool(proposal.last_error)


def _reviews_in(api: Api, committee: dict[str, Any], proposal_id: str, scores: list[int]) -> None:
    """The first reviewers invited accept and submit, one score each (the quorum is two)."""
    given = 0
    for email in committee["reviewers"]:
        call = api.as_(email)
        for item in call("GET", "/assignments").json()["items"]:
            if item["proposal_id"] != proposal_id or item["status"] != "invited":
                continue
            base = f"/assignments/{item['id']}"
            assert call("POST", f"{base}/accept").status_code == 200
            score = scores[given]
            body = full_review(
                score,
                "approve" if score >= 4 else "reject",
                comments_for_applicant=f"Comment {given + 1} for the applicant.",
                confidential_comments=f"Confidential note {given + 1}.",
            )
            assert call("PUT", f"{base}/review", json=body).status_code == 200
            assert call("POST", f"{base}/review/submit").status_code == 200
            given += 1
            if given == len(scores):
                return
    raise AssertionError(f"only {given} reviewers were invited to {proposal_id}")


def test_chair_assigns_ranks_writes_the_meta_review_and_decides_a_batch(
    browser: Any,
    server: str,
    worker: Process,
    api_of: Api,
    session: Session,
    committee: dict[str, Any],
) -> None:
    chair = committee["chair"]
    full_email = committee["reviewers"][2]
    full_id = _capacity(session, full_email, 0)
    # Three reviewers a proposal, one of them full: the worker cannot staff it.
    waiting = submitted_proposal(api_of, committee["applicant"], title="CAR-T programme")
    wait_for(lambda: _unstaffed(session, waiting), seconds=SECONDS, what="an unstaffed proposal")
    assert state_of(api_of, chair, waiting) == "assignment"

    context = browser.new_context(locale="en-US", viewport=DESKTOP, base_url=server)
    tab = Browsing(context.new_page(), "en", "chair")
    page = tab.page
    page.goto("/board")
    harness._sign_in(tab, chair)
    page.wait_for_url("**/board")
    assert "CAR-T programme" in page.locator("section:has(#stage-assignment)").inner_text()
    tab.look("board")

    # The worker invited the two it could; the full reviewer is excluded, and refused by hand.
    page.click("section:has(#stage-assignment) table a")
    page.wait_for_selector("#held")
    assert page.locator("#held tbody tr").count() == 2
    assert page.locator("#excluded tbody tr").count() == 1
    page.select_option("#invite", str(full_id))
    page.click("form:has(#invite) button[type=submit]")
    page.wait_for_selector("#invite-error")
    assert "no capacity left" in page.locator("#invite-error").inner_text()
    tab.look("assignment-refused")

    # With room again the solver proposes it, and the chair applies the proposal.
    _capacity(session, full_email, 5)
    page.goto(f"/board/proposals/{waiting}/assignment")
    assert page.locator("#proposed tbody tr").count() == 1
    tab.look("assignment-preview")
    page.click("form:has(#proposed) button[type=submit]")
    page.wait_for_url("**saved=1")
    assert page.locator("#held tbody tr").count() == 3
    assert state_of(api_of, chair, waiting) == "in_review"
    tab.look("assignment")

    # A second proposal goes through by itself; both are reviewed, one with disagreement.
    other = submitted_proposal(api_of, committee["applicant"], title="Bispecific antibody")
    wait_for(
        lambda: state_of(api_of, committee["applicant"], other) == "in_review", SECONDS, "in_review"
    )
    _reviews_in(api_of, committee, waiting, [5, 2])
    _reviews_in(api_of, committee, other, [4, 4])
    for proposal_id in (waiting, other):
        wait_for(
            lambda p=proposal_id: state_of(api_of, chair, p) == "deliberation",  # type: ignore[misc]
            SECONDS,
            "deliberation",
        )

    page.goto("/board/ranking?sort=overall&order=desc")
    rows = page.locator("#ranking tbody tr")
    assert rows.count() == 2
    assert "Bispecific antibody" in rows.nth(0).inner_text()
    assert "The reviewers disagree" in rows.nth(1).inner_text()
    tab.look("ranking")
    page.click("#ranking thead a:text('Title')")
    page.wait_for_url("**sort=title**")
    assert "Bispecific antibody" in page.locator("#ranking tbody tr").nth(1).inner_text()

    # The reviews side by side, then the meta-review.
    page.click("#ranking a:text('CAR-T programme')")
    page.wait_for_selector("#side-by-side")
    assert "Confidential note 1." in page.locator("#reviews-heading ~ article").first.inner_text()
    page.fill("#meta", "Strong science; the committee asks for the manufacturing plan.")
    page.click("#meta-review button[type=submit]")
    page.wait_for_url("**saved=meta**")
    assert "Strong science" in page.locator("#meta").input_value()
    tab.look("reviews")

    # The decision form with its letter preview, in the applicant's language (China: Chinese).
    page.click("a.button[href$='/decision']")
    page.wait_for_selector("#letter")
    chinese = harness.translations("zh_Hans").gettext("Approved")
    assert chinese in page.locator("#letter").inner_text()
    page.check("input[name=outcome][value=revision_requested]")
    page.fill("#message_to_applicant", "请补充生产计划。")
    page.click("button[name=action][value=preview]")
    page.wait_for_selector("#letter")
    assert "请补充生产计划。" in page.locator("#letter").inner_text()
    tab.look("decision-preview")

    # The main pages in Chinese and Russian, for the screenshots and the axe check.
    for language in ("zh_Hans", "ru"):
        context.add_cookies([{"name": "lang", "value": language, "url": server}])
        other_tab = Browsing(page, language, "chair")
        for name, path in (
            ("board", "/board"),
            ("ranking", "/board/ranking"),
            ("reviews", f"/board/proposals/{waiting}"),
            ("decision", f"/board/proposals/{waiting}/decision"),
            ("batch", "/board/decisions?outcome=revision_requested"),
        ):
            page.goto(path)
            other_tab.look(name)
    context.add_cookies([{"name": "lang", "value": "en", "url": server}])

    # A batch: both proposals, the same outcome, each its own letter.
    page.goto("/board/decisions?outcome=revision_requested")
    page.click("#batch-form button[type=submit]")
    page.wait_for_selector("#items-error")
    tab.look("batch-errors")
    for proposal_id in (waiting, other):
        page.check(f"input[name=proposal][value='{proposal_id}']")
    page.fill(f"#letter-{other}", "Please add the stability data.")
    page.fill("#rationale", "Both need more manufacturing evidence.")
    page.click("#batch-form button[type=submit]")
    page.wait_for_selector("#results")
    assert page.locator("#results li").count() == 2
    assert "not decided" not in page.locator("#results").inner_text()
    tab.look("batch-results")
    for proposal_id in (waiting, other):
        assert state_of(api_of, committee["applicant"], proposal_id) == "revision_requested"
    letter = api_of.as_(committee["applicant"])("GET", f"/proposals/{other}/decision").json()
    assert letter["message_to_applicant"] == "Please add the stability data."
    context.close()
