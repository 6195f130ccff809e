"""Fuzz the whole API from its own ``/openapi.json`` with schemathesis.

Every operation gets generated requests that fit its schema (positive) and
requests that break it (negative), sent with the token of an analyst, a
supervisor, an admin and with none, on a fixed budget (derandomized, no
deadline, no shrinking: about 450 requests, well under a minute idle).  Each
answer must be no server error, a status the schema declares for that
operation, the declared content type, and a body matching the declared schema
(the error envelope for every error status).

The run is on SQLite: it checks the HTTP layer's contract, which does not
depend on the backend (the routes' services are tested on both).
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gugus.api import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BUDGET = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}  # per operation and role
ROLES = ["mx_analyst", "mx_super", "mx_admin", None]  # None: no token
# Random path values almost never name something that exists: one more positive
# pass per operation with these, so the routes' success paths are fuzzed too.
KNOWN = {"entity_id": "p-jose", "name": "mx-cases"}


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_ctx, value) -> bytes:
    """The entity upload's body: text as UTF-8 (a negative case's non-text as JSON)."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text.encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def fuzz_target(module_world):
    module_world.add_user("mx_admin", "MXFGR", "admin")
    app = create_app(module_world.node)
    return module_world, schemathesis.openapi.from_asgi("/openapi.json", app)


def fuzz(operation, mode, headers: dict, failures: list, statuses: Counter, **path) -> None:
    """Send ``BUDGET[mode]`` generated requests to one operation and check each answer."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path or None))
    @settings(
        max_examples=BUDGET[mode],
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        response = case.call(headers=headers)
        statuses[operation.label, response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
            failures.append(f"{operation.label} ({mode.value}): {exc}"[:2000])

    # An operation with nothing to break (no parameters, no body) has no negative case.
    with contextlib.suppress(Unsatisfiable):
        run()


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_fuzz_api(fuzz_target, role):
    world, schema = fuzz_target
    headers = world.headers(role) if role else {}
    failures: list[str] = []
    statuses: Counter[tuple[str, int]] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in BUDGET:
            fuzz(operation, mode, headers, failures, statuses)
        known = {p.name: KNOWN[p.name] for p in operation.path_parameters if p.name in KNOWN}
        if known:
            fuzz(operation, GenerationMode.POSITIVE, headers, failures, statuses, **known)
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures[:10])
    assert sum(statuses.values()) >= 80
    if role is not None:  # the token was accepted: authenticated routes answered 200
        for label in ("GET /api/v1/collections", "GET /api/v1/search"):
            assert statuses[label, 200] > 0, statuses
