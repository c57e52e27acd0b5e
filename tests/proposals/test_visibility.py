"""What each standing sees of a proposal it may read: words for applicants, no rivals for
reviewers, no window left open once a role ends, and events only for their audience."""

from uuid import UUID

from sqlmodel import Session, select

from service.notifications.models import Channel, Notification, Webhook
from service.notifications.service import Notice, notify_all
from service.proposals.models import Proposal
from service.reviews.service import check_quorum
from tests.conftest import Api
from tests.factories import build_world, full_review, put_in_review, review


def test_applicant_history_after_a_redrive_names_no_admin_and_no_internal_error(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    proposal = session.get(Proposal, UUID(staged.proposal_id))
    assert proposal is not None
    proposal.last_error = "cannot be staffed: 2 excluded for conflict, 1 at capacity"
    session.commit()
    redriven = api.as_(committee["admin"])("POST", f"/admin/proposals/{proposal.id}/redrive")
    assert redriven.status_code == 200, redriven.text
    seen = api.as_(committee["applicant"])("GET", f"/proposals/{proposal.id}/history").text
    for secret in (committee["admin"], "cannot be staffed", "excluded for conflict", "redrive"):
        assert secret not in seen
    committee_view = api.as_(committee["chair"])("GET", f"/proposals/{proposal.id}/history")
    assert "redrive" in committee_view.text  # the committee keeps the whole trail


def test_reviewers_never_see_the_applicants_declared_conflicts(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    world = build_world(api, session, committee, draft)
    url = f"/proposals/{world.ids['proposal_id']}"
    as_reviewer = api.as_(world.emails["accepted"])("GET", url).json()
    assert as_reviewer["declared_conflicts"] == []
    assert api.as_(world.emails["chair"])("GET", url).json()["declared_conflicts"] == [
        world.emails["conflicted_chair"]
    ]
    listed = api.as_(world.emails["accepted"])("GET", "/proposals").json()["items"]
    assert [p["declared_conflicts"] for p in listed] == [[]]


def test_a_declined_reviewer_keeps_no_window_on_the_proposal(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    world = build_world(api, session, committee, draft)
    mine = api.as_(world.emails["declined"])("GET", "/assignments").json()["items"]
    assert [(a["proposal_title"], a["proposal_state"]) for a in mine] == [(None, None)]
    still = api.as_(world.emails["accepted"])("GET", "/assignments").json()["items"]
    assert still[0]["proposal_title"] == draft["title"]


def test_a_conflicted_chair_neither_lists_nor_decides_the_proposal(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    world = build_world(api, session, committee, draft)
    as_conflicted = api.as_(world.emails["conflicted_chair"])
    assert as_conflicted("GET", "/proposals").json()["items"] == []
    listed = api.as_(world.emails["chair"])("GET", "/proposals").json()["items"]
    assert [p["id"] for p in listed] == [world.ids["proposal_id"]]


def test_with_no_chair_free_of_conflicts_the_proposal_says_so(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    staged = put_in_review(api, session, committee, draft)
    proposal = session.get(Proposal, UUID(staged.proposal_id))
    assert proposal is not None
    proposal.declared_conflicts = [committee["chair"]]  # the committee's only chair
    session.commit()
    for email in committee["reviewers"][:2]:
        review(api, email, staged.assignments[email], full_review())
    assert check_quorum(session=session, proposal_id=proposal.id)
    session.commit()
    queue = api.as_(committee["admin"])("GET", "/admin/queue").json()
    assert any(
        e["id"] == staged.proposal_id and "no chair" in e["last_error"]
        for e in queue["errors"]["items"]
    ), queue["errors"]


def test_organisation_webhooks_hear_only_the_events_meant_for_applicants(
    api: Api, session: Session, committee: dict, draft: dict
) -> None:
    proposal = session.get(Proposal, UUID(draft["id"]))
    assert proposal is not None
    session.add(
        Webhook(
            organisation_id=proposal.organisation_id,
            url="https://hooks.acme.example/in",
            secret="whsec_x",
        )
    )
    session.commit()
    events = ["assignment.invited", "proposal.deliberation", "review.reminder", "proposal.decided"]
    notify_all(
        session=session,
        notices=[
            Notice(event=e, proposal=proposal, recipients=[], subject=e, body=e, occurrence="1")
            for e in events
        ],
    )
    session.commit()
    called = session.exec(
        select(Notification.event).where(Notification.channel == Channel.webhook)
    ).all()
    assert called == ["proposal.decided"]
