"""Generated requests for every operation of the OpenAPI schema (schemathesis).

Whatever a client sends, as whichever user, the API answers without a server error, with the
content type and (for successes) the body its schema promises.
"""

import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from service.main import create_app
from tests.conftest import Api

CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
# Built at collection (the settings point at the test database by then); the fixtures below
# fill that database before the first generated request.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    # CI replays the same examples, so a landing never hinges on a lucky draw; runs elsewhere
    # draw new ones and may find new bugs.
    derandomize=bool(os.environ.get("CI")),
    # One populated service per operation; its state carries over between examples.
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_the_promised_shape(
    case: Any, api: Api, committee: dict[str, Any], draft: dict[str, Any]
) -> None:
    # Each generated request as each kind of user: what one may do, another is refused.
    for who in ("admin", "applicant", "chair"):
        token = api.login(committee[who])
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
