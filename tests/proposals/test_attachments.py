"""Attachments: accepted types stored by content, limits enforced, downloads authorized."""

import hashlib
from typing import Any

import pytest
from sqlmodel import select

from service.proposals.models import Attachment
from tests.conftest import Api

PDF = b"%PDF-1.7\n" + b"0" * 1000


def _upload(api: Api, who: str, proposal_id: str, name: str, content: bytes) -> Any:
    return api.as_(who)(
        "POST", f"/proposals/{proposal_id}/attachments", files={"file": (name, content)}
    )


def test_pdf_is_stored_with_its_checksum(api: Api, committee: dict, draft: dict) -> None:
    response = _upload(api, committee["applicant"], draft["id"], "plan.pdf", PDF)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (body["content_type"], body["size_bytes"]) == ("application/pdf", len(PDF))


def test_download_returns_the_same_bytes_to_readers_only(
    api: Api, committee: dict, draft: dict
) -> None:
    attachment = _upload(api, committee["applicant"], draft["id"], "plan.pdf", PDF).json()
    path = f"/proposals/{draft['id']}/attachments/{attachment['id']}"
    assert api.as_(committee["applicant"])("GET", path).content == PDF
    assert api.as_(committee["rival"])("GET", path).status_code == 404


def test_oversized_file_is_413_and_not_kept(
    api: Api, committee: dict, draft: dict, session: Any
) -> None:
    big = b"%PDF-" + b"0" * (256 * 1024)
    response = _upload(api, committee["applicant"], draft["id"], "big.pdf", big)
    assert response.status_code == 413
    assert response.json()["fields"][0]["field"] == "file"
    assert session.exec(select(Attachment)).all() == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.exe", b"MZ\x90\x00"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf"),
        ("data.csv", b"\x00\x01\x02binary"),
        ("noextension", b"%PDF-1.4"),
    ],
)
def test_wrong_type_is_415_and_not_kept(
    api: Api, committee: dict, draft: dict, session: Any, name: str, content: bytes
) -> None:
    response = _upload(api, committee["applicant"], draft["id"], name, content)
    assert response.status_code == 415, response.text
    assert session.exec(select(Attachment)).all() == []


def test_empty_file_is_refused(api: Api, committee: dict, draft: dict) -> None:
    assert _upload(api, committee["applicant"], draft["id"], "empty.csv", b"").status_code == 422


def test_submitted_proposal_takes_no_more_files(api: Api, committee: dict, draft: dict) -> None:
    api.as_(committee["applicant"])("POST", f"/proposals/{draft['id']}/submit")
    assert _upload(api, committee["applicant"], draft["id"], "late.pdf", PDF).status_code == 409


def test_office_image_and_csv_files_are_accepted(api: Api, committee: dict, draft: dict) -> None:
    files = {
        "budget.xlsx": b"PK\x03\x04rest-of-zip",
        "photo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRrest",
        "table.csv": "area,budget\n\u0420\u0430\u043a,1\n".encode(),
    }
    for name, content in files.items():
        assert _upload(api, committee["applicant"], draft["id"], name, content).status_code == 201
