"""Finding 11: ``POST /api/v1/token`` is rate-limited per client address, per
user name and per node, before any argon2 work, with 429 and Retry-After in
the one error envelope.  (Before, every attempt cost 64 MiB of argon2 and an
audit record, without limit: the 429 tests fail on that code.)

The limiter runs on a fake clock: no sleeping, no timed assertions.
"""

from __future__ import annotations

import pytest

from gugus import auth, reads
from gugus.api import create_app
from gugus.errors import InvalidInput
from gugus.ratelimit import LoginLimiter, Rate

API = "/api/v1"
WRONG = "not the password"


class Clock:
    now = 5000.0

    def __call__(self) -> float:
        return self.now


class CountingHasher:
    """argon2 as it is, counting verifications."""

    def __init__(self, hasher) -> None:
        self.hasher = hasher
        self.verified = 0

    def verify(self, *args):
        self.verified += 1
        return self.hasher.verify(*args)

    def hash(self, *args):
        return self.hasher.hash(*args)


@pytest.fixture
def argon2(monkeypatch) -> CountingHasher:
    counting = CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", counting)
    return counting


def limited_app(world, per_address=None, per_user=None, per_node=None):
    app = create_app(world.node)
    app.state.login_limiter = LoginLimiter(per_address, per_user, per_node, clock=Clock())
    return app


def login(app_client, app, username, password, address="203.0.113.5"):
    client = app_client(app, client=(address, 40000))
    return client.post(f"{API}/token", data={"username": username, "password": password})


def failed_logins(world) -> int:
    return len(reads.list_audit(world.node, world.readers["mx_super"], action="auth.failed"))


def test_too_many_attempts_from_one_address_get_429_before_argon2(world, app_client, argon2):
    app = limited_app(world, per_address=Rate(3, 60))
    for _ in range(3):
        assert login(app_client, app, "mx_analyst", WRONG).status_code == 401
    assert argon2.verified == 3 and failed_logins(world) == 3
    for password in (WRONG, world.password):  # the right password waits too
        response = login(app_client, app, "mx_analyst", password)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "20"  # one of three regained in 60 s
        assert response.json() == {
            "error": {
                "code": "rate_limited",
                "message": "too many login attempts for this client address; try again later",
            }
        }
    # The refused attempts cost no argon2 verification and no audit record.
    assert argon2.verified == 3 and failed_logins(world) == 3
    # Another address is not held up.
    assert login(app_client, app, "mx_analyst", world.password, "203.0.113.6").status_code == 200


def test_one_name_is_limited_across_addresses_and_others_still_log_in(
    sqlite_world, app_client, argon2
):
    world = sqlite_world
    app = limited_app(world, per_address=Rate(100, 60), per_user=Rate(2, 600))
    for n in range(2):
        assert login(app_client, app, "mx_analyst", WRONG, f"198.51.100.{n}").status_code == 401
    for n in range(2, 5):  # a botnet: every attempt from a fresh address
        response = login(app_client, app, "mx_analyst", WRONG, f"198.51.100.{n}")
        assert response.status_code == 429
        assert response.json()["error"]["message"] == (
            "too many login attempts for this user name; try again later"
        )
        assert response.headers["Retry-After"] == "300"
    assert argon2.verified == 2
    # Another user logs in from the very same address.
    response = login(app_client, app, "us_analyst", world.password, "198.51.100.4")
    assert response.status_code == 200 and response.json()["access_token"]
    # The name's budget counts failures only: successes do not use it up.
    for _ in range(5):
        assert login(app_client, app, "us_super", world.password).status_code == 200


def test_the_node_limit_bounds_failed_login_records(sqlite_world, app_client):
    world = sqlite_world
    app = limited_app(world, per_node=Rate(4, 10))
    statuses = [
        login(app_client, app, f"nobody{n}", WRONG, f"192.0.2.{n}").status_code for n in range(10)
    ]
    assert statuses == [401] * 4 + [429] * 6
    assert failed_logins(world) == 0  # unknown names carry no organisation
    statuses = [login(app_client, app, "mx_analyst", WRONG).status_code for _ in range(3)]
    assert statuses == [429] * 3 and failed_logins(world) == 0


def test_limits_are_set_by_the_environment(sqlite_world, make_client, monkeypatch):
    monkeypatch.setenv("GUGUS_LOGIN_LIMIT_ADDRESS", "1/3600")
    client = make_client(sqlite_world.node)
    assert client.post(f"{API}/token", data={"username": "x", "password": WRONG}).status_code == 401
    response = client.post(f"{API}/token", data={"username": "y", "password": WRONG})
    assert response.status_code == 429
    assert 3500 <= int(response.headers["Retry-After"]) <= 3600


def test_a_bad_limit_setting_stops_the_server_at_start(sqlite_world, monkeypatch):
    monkeypatch.setenv("GUGUS_LOGIN_LIMIT_USER", "ten per minute")
    with pytest.raises(
        InvalidInput, match="GUGUS_LOGIN_LIMIT_USER: 'ten per minute' is not a rate"
    ):
        create_app(sqlite_world.node)
