"""No request body anywhere in the API can store a value that cannot be read back."""

from typing import Any

import pytest

from tests.conftest import Api

LONE_SURROGATE = '"x\\ud800y"'


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("admin", "POST", "/committees", '{"name": %s, "therapeutic_areas": ["oncology"]}'),
        ("applicant", "POST", "/webhooks", '{"url": "https://a.example/h", "events": [%s]}'),
        ("applicant", "POST", "/proposals", '{"title": %s}'),
        ("admin", "POST", "/organisations", '{"name": %s, "country": "CN"}'),
    ],
)
def test_a_lone_surrogate_is_refused_naming_the_field(
    api: Api, committee: dict[str, Any], who: str, method: str, path: str, body: str
) -> None:
    response = api.as_(committee[who])(
        method,
        path,
        content=(body % LONE_SURROGATE).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["fields"], response.text
    assert "surrogate" in response.text
