"""One spelling in the API: British `organisation`, as in the `organisation_id` fields."""

import json

from service.main import create_app


def test_the_api_spells_organisation_one_way() -> None:
    schema = json.dumps(create_app().openapi())
    assert "organization" not in schema.lower()
    assert "/api/v1/organisations" in create_app().openapi()["paths"]
