"""A client generated from the OpenAPI spec with openapi-python-client works, uploads included."""

import importlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from service.main import create_app
from tests.conftest import Api

PACKAGE = "expert_committee_review_service_client"


def test_a_generated_client_uploads_an_attachment(
    api: Api, client: Any, committee: dict, draft: dict, tmp_path: Path
) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(create_app().openapi()))
    # Literal enums: two reference confidences ("S", "S+") differ only by a sign.
    config = tmp_path / "config.yaml"
    config.write_text("literal_enums: true\n")
    generator = Path(sys.executable).parent / "openapi-python-client"
    subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(tmp_path / "client"),
            "--config",
            str(config),
        ],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(tmp_path / "client"))
    try:
        generated = importlib.import_module(PACKAGE)
        upload = importlib.import_module(
            f"{PACKAGE}.api.proposals.upload_attachment_api_v1_proposals_proposal_id_attachments_post"
        )
        body_module = importlib.import_module(
            f"{PACKAGE}.models.body_upload_attachment_api_v1_proposals_proposal_id_attachments_post"
        )
        types = importlib.import_module(f"{PACKAGE}.types")
        authenticated = generated.AuthenticatedClient(
            base_url="http://testserver", token=api.login(committee["applicant"])
        )
        # The suite's in-process HTTP client, with the generated client's own headers.
        client.headers["Authorization"] = f"Bearer {api.login(committee['applicant'])}"
        authenticated.set_httpx_client(client)
        response = upload.sync_detailed(
            client=authenticated,
            proposal_id=draft["id"],
            body=body_module.BodyUploadAttachmentApiV1ProposalsProposalIdAttachmentsPost(
                file=types.File(
                    payload=io.BytesIO(b"%PDF-1.4\nbusiness plan\n%%EOF\n"),
                    file_name="plan.pdf",
                    mime_type="application/pdf",
                )
            ),
        )
    finally:
        sys.path.remove(str(tmp_path / "client"))
    assert response.status_code == 201, response.content
    assert response.parsed.filename == "plan.pdf"
