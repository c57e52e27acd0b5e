"""E-mails are written in each reader's language: their choice, else their organisation's
country's, else English; webhooks, read by programs, stay in English."""

from typing import Any
from uuid import UUID

from sqlmodel import Session, col, select

from service.auth.models import User
from service.i18n import N_, Text, reader_language, render
from service.notifications.models import Notification
from service.notifications.service import notify
from service.proposals.models import Proposal
from tests.conftest import Api
from tests.factories import put_in_review, reach_deliberation


def _set_language(session: Session, email: str, language: str | None) -> None:
    user = session.exec(select(User).where(User.email == email)).one()
    user.language = language
    session.commit()


def _mail_to(session: Session, address: str, event: str) -> Notification:
    session.expire_all()
    return session.exec(
        select(Notification).where(Notification.address == address, Notification.event == event)
    ).one()


def test_the_reader_language_is_the_choice_then_the_country_then_english() -> None:
    assert reader_language("ru", "CN") == "ru"
    assert reader_language(None, "CN") == "zh_Hans"
    assert reader_language(None, "kz") == "ru"
    assert reader_language(None, "DE") == "en"
    assert reader_language(None, None) == "en"
    assert reader_language("xx", None) == "en"


def test_each_recipient_reads_the_notice_in_their_language_and_webhooks_in_english(
    session: Session, committee: dict[str, Any], draft: dict[str, Any], api: Api
) -> None:
    hook = api.as_(committee["applicant"])("POST", "/webhooks", json={"url": "https://x.example/h"})
    assert hook.status_code == 201, hook.text
    _set_language(session, committee["chair"], "ru")
    _set_language(session, committee["reviewers"][0], "en")
    proposal = session.get(Proposal, UUID(draft["id"]))
    assert proposal is not None
    readers = session.exec(
        select(User).where(
            col(User.email).in_(
                [committee["chair"], committee["reviewers"][0], committee["applicant"]]
            )
        )
    ).all()
    notify(
        session=session,
        event="proposal.returned",
        proposal=proposal,
        recipients=readers,
        subject=Text(N_("Please revise: %(title)s"), {"title": proposal.title}),
        body=[
            Text(N_("Screening found problems to fix before review:")),
            [Text(N_("budget_requested must be greater than zero"))],
            "The chair's own words stay as written.",
        ],
    )
    session.commit()
    title = proposal.title
    # The chair chose Russian; the reviewer English; the applicant chose nothing and works
    # for an organisation in China.
    chair = _mail_to(session, committee["chair"], "proposal.returned")
    assert chair.subject == f"Требуется доработка: {title}"
    assert "- запрошенный бюджет должен быть больше нуля" in chair.body
    assert chair.body.endswith("The chair's own words stay as written.")
    reviewer = _mail_to(session, committee["reviewers"][0], "proposal.returned")
    assert reviewer.subject == f"Please revise: {title}"
    applicant = _mail_to(session, committee["applicant"], "proposal.returned")
    assert applicant.subject == f"请修改：{title}"
    assert "申请预算必须大于零" in applicant.body
    (webhook,) = session.exec(select(Notification).where(Notification.channel == "webhook")).all()
    assert webhook.subject == f"Please revise: {title}"


def test_a_decision_reaches_the_applicant_in_their_language(
    session: Session, committee: dict[str, Any], api: Api, draft: dict[str, Any]
) -> None:
    _set_language(session, committee["applicant"], "ru")
    staged = put_in_review(api, session, committee, draft)
    reach_deliberation(api, session, committee, staged)
    proposal_id = staged.proposal_id
    decided = api.as_(committee["chair"])(
        "POST",
        f"/proposals/{proposal_id}/decision",
        json={"outcome": "approved", "rationale": "Sound plan.", "message_to_applicant": "Удачи."},
    )
    assert decided.status_code in (200, 201), decided.text
    mail = _mail_to(session, committee["applicant"], "proposal.decided")
    assert mail.subject.startswith("Решение по заявке «") and mail.subject.endswith("одобрено")
    assert "Решение комитета по заявке" in mail.body and "Удачи." in mail.body
    assert "Комментарии рецензентов:" in mail.body


def test_a_password_reset_is_written_in_the_account_language(
    session: Session, committee: dict[str, Any], api: Api
) -> None:
    _set_language(session, committee["chair"], "zh_Hans")
    asked = api.client.post("/api/v1/auth/password-reset", json={"email": committee["chair"]})
    assert asked.status_code in (200, 202), asked.text
    mail = _mail_to(session, committee["chair"], "account.password_reset")
    assert mail.subject == "重置您的密码"
    assert "/password-reset?token=" in mail.body
    assert render(Text(N_("Reset your password")), "ru") == "Сброс пароля"
