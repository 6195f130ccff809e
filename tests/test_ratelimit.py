"""Login rate limits: token buckets on a fake clock (no sleeping, no timing)."""

from __future__ import annotations

import pytest

from gugus.errors import InvalidInput
from gugus.ratelimit import Buckets, LoginLimiter, Rate, RateLimited, address_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("raw", "rate"),
    [("20/60", Rate(20, 60)), (" 5/0.5 ", Rate(5, 0.5)), ("OFF", None), ("off", None)],
)
def test_rates_parse(raw, rate):
    assert Rate.parse("GUGUS_LOGIN_LIMIT_USER", raw) == rate


@pytest.mark.parametrize("raw", ["", "20", "x/60", "20/x", "0/60", "20/0", "-1/60", "5/100000"])
def test_bad_rates_name_the_variable(raw):
    with pytest.raises(InvalidInput, match=r"^GUGUS_LOGIN_LIMIT_USER: .* is not a rate"):
        Rate.parse("GUGUS_LOGIN_LIMIT_USER", raw)


def test_a_bucket_refills_at_its_rate():
    buckets = Buckets(Rate(2, 60))  # two at once, one more every 30 s
    for _ in range(2):
        assert buckets.wait("k", 0) == 0
        buckets.add("k", 0, -1)
    assert buckets.wait("k", 0) == pytest.approx(30)
    assert buckets.wait("k", 20) == pytest.approx(10)
    assert buckets.wait("k", 30) == 0
    assert buckets.wait("k", 10_000) == 0 and buckets._tokens("k", 10_000) == 2  # capped
    assert buckets.wait("other", 0) == 0


def test_buckets_are_bounded_in_number():
    buckets = Buckets(Rate(1, 60), max_keys=3)
    for key in "abcd":
        buckets.add(key, 0, -1)
    assert list(buckets._state) == ["b", "c", "d"]


def test_the_limiter_refuses_before_and_names_no_value():
    clock = Clock()
    limiter = LoginLimiter(Rate(3, 60), Rate(2, 600), None, clock=clock)
    limiter.attempt("10.0.0.1", "bob")
    limiter.attempt("10.0.0.2", "Bob")  # a name counts whatever its case
    with pytest.raises(RateLimited) as refused:
        limiter.attempt("10.0.0.3", "bob")
    assert refused.value.status == 429
    assert refused.value.retry_after == 300  # one of two regained in 600 s
    assert refused.value.message == "too many login attempts for this user name; try again later"
    assert "bob" not in refused.value.message and "10.0.0" not in refused.value.message
    limiter.attempt("10.0.0.3", "ana")  # another name is not held up
    clock.now += 300
    limiter.attempt("10.0.0.3", "bob")


def test_a_refused_attempt_costs_no_bucket_anything():
    limiter = LoginLimiter(Rate(1, 60), Rate(5, 600), Rate(100, 1), clock=Clock())
    limiter.attempt("10.0.0.1", "bob")
    for _ in range(10):
        with pytest.raises(RateLimited, match="this client address"):
            limiter.attempt("10.0.0.1", "bob")
    # The refused attempts did not use up bob's name: four more are left.
    for n in range(4):
        limiter.attempt(f"10.0.1.{n}", "bob")
    with pytest.raises(RateLimited, match="this user name"):
        limiter.attempt("10.0.2.1", "bob")


def test_success_gives_the_name_its_token_back():
    limiter = LoginLimiter(None, Rate(1, 600), None, clock=Clock())
    for _ in range(5):
        limiter.attempt("10.0.0.1", "bob").succeeded()
    limiter.attempt("10.0.0.1", "bob")  # a failure
    with pytest.raises(RateLimited):
        limiter.attempt("10.0.0.1", "bob")


def test_the_node_limit_holds_across_names_and_addresses():
    limiter = LoginLimiter(None, None, Rate(3, 1), clock=Clock())
    for n in range(3):
        limiter.attempt(f"10.0.0.{n}", f"user{n}")
    with pytest.raises(RateLimited, match="the node") as refused:
        limiter.attempt("10.0.9.9", "someone")
    assert refused.value.retry_after == 1


def test_limits_come_from_the_environment():
    env = {"GUGUS_LOGIN_LIMIT_ADDRESS": "off", "GUGUS_LOGIN_LIMIT_USER": "1/60"}
    limiter = LoginLimiter.from_env(env)
    assert set(limiter._kinds) == {"user", "node"}
    assert limiter._kinds["user"].rate == Rate(1, 60)
    assert limiter._kinds["node"].rate == Rate(20, 10)  # the default
    with pytest.raises(InvalidInput, match="GUGUS_LOGIN_LIMIT_NODE"):
        LoginLimiter.from_env({"GUGUS_LOGIN_LIMIT_NODE": "lots"})


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),  # the same /64: one client
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("testclient", "testclient"),
        (None, "?"),
    ],
)
def test_address_keys(address, key):
    assert address_key(address) == key


def test_each_worker_keeps_an_nth_of_every_limit():
    """With N serving processes the node as a whole admits no more than the
    limits: each worker's burst and rate are an Nth of them."""
    assert Rate(10, 600).share(1) == Rate(10, 600)
    assert Rate(10, 600).share(2) == Rate(5, 600)
    three = Rate(20, 10).share(3)
    assert three.burst == 6 and 3 * three.per_second == pytest.approx(Rate(20, 10).per_second)
    assert Rate(1, 60).share(4) == Rate(1, 240)  # one attempt each, a quarter of the rate
    limiter = LoginLimiter.from_env({"GUGUS_SERVE_WORKERS": "2"})
    assert {k: b.rate for k, b in limiter._kinds.items()} == {
        "address": Rate(10, 60),
        "user": Rate(5, 600),
        "node": Rate(10, 10),
    }
    for raw in ("0", "two", "-1", "100000"):
        with pytest.raises(InvalidInput, match="^GUGUS_SERVE_WORKERS: "):
            LoginLimiter.from_env({"GUGUS_SERVE_WORKERS": raw})
