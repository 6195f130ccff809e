"""Finding 15/16 in the API: a failure that is not a GugusError is answered in
the envelope (the exception is not re-raised to the server, which would drop
the keep-alive connection), and the log line never carries its message."""

from __future__ import annotations

import logging
import warnings

from gugus.api import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

SECRET = "José Pérez G1234567"


def test_unexpected_error_is_answered_not_reraised_and_logged_without_message(sqlite_node, caplog):
    app = create_app(sqlite_node)

    def boom() -> dict:
        raise ValueError(f"bad value {SECRET}")

    app.add_api_route("/api/v1/boom", boom)  # an API path: pages answer an HTML page
    # raise_server_exceptions=True: an exception that reaches the server fails here.
    client = TestClient(app)
    with caplog.at_level(logging.WARNING, logger="gugus.api"):
        r = client.get("/api/v1/boom")
    assert r.status_code == 500
    assert r.json() == {
        "error": {"code": "internal_error", "message": "internal error (logged on the server)"}
    }
    assert "ValueError" in caplog.text and SECRET not in caplog.text
    assert SECRET not in r.text
