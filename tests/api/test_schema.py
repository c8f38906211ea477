"""Schemathesis against the OpenAPI document: no 5xx, and every response matches its declared schema.

Each operation of the document gets a few generated requests (there are about 40 operations), so
the run stays well under a minute; every request carries the admin's key so it reaches the handlers.
The operations are driven with Hypothesis directly (schemathesis' pytest plugin does not support the
pytest in this environment), derandomised so a CI run is reproducible.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Err, Ok

from microfactory.api import create_app
from microfactory.config import load_settings
from microfactory.store.api_repository import Role
from tests.api.helpers import ApiEnv

MAX_EXAMPLES = 6
CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.content_type_conformance,
    checks.status_code_conformance,
]
"""No 5xx; status, content type and body as the document declares them."""
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {name: {"enabled": False} for name in ("positive_data_acceptance", "negative_data_rejection")}}
)
"""Schema-valid data may still be refused (an unknown SKU, a lot that does not exist): that is a 404
or 422 the document declares, not a failure, so ``positive_data_acceptance`` is off (and the run is
positive only, so ``negative_data_rejection`` too)."""


def test_api_conforms_to_its_openapi_document(env: ApiEnv) -> None:
    """No server error, and each response (status, content type, body) is what the document declares."""
    app = create_app(load_settings(database_url=env.url))
    headers = {"X-API-Key": env.keys[Role.ADMIN]}
    try:
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=CONFIG)
        results = list(schema.get_all_operations())
        broken = [r.err() for r in results if isinstance(r, Err)]
        assert not broken, f"operations the document describes badly: {broken}"
        operations = [r.ok() for r in results if isinstance(r, Ok)]
        assert len(operations) >= 30
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
                derandomize=True,
            )
            def conforms(case: Any) -> None:
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            conforms()
    finally:
        app.state.jobs.shutdown()
        app.state.engine.dispose()
