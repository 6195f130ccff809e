"""Rate limits for password logins (``POST /api/v1/token``).

Every login attempt costs an argon2 verification (64 MiB, tens of ms of CPU)
and a failed one an audit record, for anonymous callers.  Before that work,
an attempt must find a token in three buckets:

- its client address (an IPv6 address counts with its whole /64, which one
  host usually holds): bounds what one client costs the node;
- the user name it tries: bounds password guessing against one account from
  any number of addresses.  A successful login gives its token back, so only
  failed attempts use up a name's budget;
- the node as a whole: bounds the argon2 work and the failed-login audit
  records, whatever the number of clients and names.

An attempt that finds a bucket empty is refused with :class:`RateLimited`
(HTTP 429, ``Retry-After``) and costs nothing: no hash, no audit record.

Limits are set by environment variables, each ``BURST/SECONDS`` (that many
attempts at once, all of them regained over that many seconds) or ``off``:

    GUGUS_LOGIN_LIMIT_ADDRESS   default 20/60
    GUGUS_LOGIN_LIMIT_USER      default 10/600
    GUGUS_LOGIN_LIMIT_NODE      default 20/10

The buckets live in the server process.  With ``gugus serve --workers N``
(``GUGUS_SERVE_WORKERS``, set by the supervisor for its workers) each worker
keeps its own with an Nth of each limit (:meth:`Rate.share`), so the node
as a whole never admits more than the limits, wherever the connections
land: a client may be refused somewhat before a limit when its attempts
all reach one worker (stricter, never looser).
"""

from __future__ import annotations

import ipaddress
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gugus.errors import GugusError, InvalidInput

DEFAULTS = {"ADDRESS": "20/60", "USER": "10/600", "NODE": "20/10"}
WORKERS_ENV = "GUGUS_SERVE_WORKERS"
MAX_KEYS = 50_000  # per bucket kind; the least recently used go first
_WHAT = {"address": "this client address", "user": "this user name", "node": "the node"}


class RateLimited(GugusError):
    """Too many attempts: answered 429 with ``Retry-After`` (whole seconds)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


@dataclass(frozen=True)
class Rate:
    burst: int  # attempts allowed at once
    seconds: float  # time to regain the whole burst

    @property
    def per_second(self) -> float:
        return self.burst / self.seconds

    def share(self, workers: int) -> Rate:
        """One of ``workers`` equal parts: the burst divided (at least one
        attempt) and the same rate per second overall.  A burst smaller than
        the workers stays one attempt each (its rate is still divided)."""
        if workers <= 1:
            return self
        burst = max(1, self.burst // workers)
        return Rate(burst, burst * workers / self.per_second)

    @classmethod
    def parse(cls, name: str, raw: str) -> Rate | None:
        """``"20/60"`` → Rate(20, 60); ``"off"`` → None (no limit)."""
        text = raw.strip().lower()
        if text == "off":
            return None
        burst, sep, seconds = text.partition("/")
        try:
            rate = cls(int(burst), float(seconds)) if sep else None
        except ValueError:
            rate = None
        if rate is None or not (1 <= rate.burst <= 1_000_000 and 0 < rate.seconds <= 86_400):
            raise InvalidInput(
                f"{name}: {raw!r} is not a rate (ATTEMPTS/SECONDS such as 20/60, "
                "attempts 1 to 1000000, seconds up to 86400; or off)"
            )
        return rate


class Buckets:
    """Token buckets of one rate, keyed by a string; at most ``max_keys`` kept
    (a bucket dropped is full when next used, which the node-wide bucket makes
    harmless: filling the table takes ``max_keys`` attempts)."""

    def __init__(self, rate: Rate, max_keys: int = MAX_KEYS) -> None:
        self.rate = rate
        self.max_keys = max_keys
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._state.get(key, (self.rate.burst, now))
        return min(self.rate.burst, tokens + (now - at) * self.rate.per_second)

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` has a token (0: it has one now)."""
        missing = 1 - self._tokens(key, now)
        return max(0.0, missing / self.rate.per_second)

    def add(self, key: str, now: float, tokens: float) -> None:
        self._state[key] = (min(self.rate.burst, self._tokens(key, now) + tokens), now)
        self._state.move_to_end(key)
        while len(self._state) > self.max_keys:
            self._state.popitem(last=False)


@dataclass
class Attempt:
    """One admitted login attempt; ``succeeded()`` gives the name's token back."""

    limiter: LoginLimiter
    username_key: str

    def succeeded(self) -> None:
        self.limiter._give_back(self.username_key)


class LoginLimiter:
    def __init__(
        self,
        per_address: Rate | None,
        per_user: Rate | None,
        per_node: Rate | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self._kinds = {
            kind: Buckets(rate)
            for kind, rate in (("address", per_address), ("user", per_user), ("node", per_node))
            if rate is not None
        }
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs) -> LoginLimiter:
        env = os.environ if env is None else env
        workers = serving_workers(env)
        rates = {
            kind: Rate.parse(f"GUGUS_LOGIN_LIMIT_{kind}", env.get(f"GUGUS_LOGIN_LIMIT_{kind}", raw))
            for kind, raw in DEFAULTS.items()
        }
        shared = {kind: rate.share(workers) if rate else None for kind, rate in rates.items()}
        return cls(shared["ADDRESS"], shared["USER"], shared["NODE"], **kwargs)

    def attempt(self, address: str | None, username: str) -> Attempt:
        """Admit one login attempt or raise :class:`RateLimited` (costing nothing)."""
        keys = {"address": address_key(address), "user": username.casefold(), "node": ""}
        with self._lock:
            now = self.clock()
            waits = {kind: b.wait(keys[kind], now) for kind, b in self._kinds.items()}
            refused = {kind: w for kind, w in waits.items() if w > 0}
            if refused:
                # The message names which limit, never the name or address.
                kinds = " and ".join(_WHAT[k] for k in refused)
                raise RateLimited(
                    f"too many login attempts for {kinds}; try again later",
                    retry_after=max(refused.values()),
                )
            for kind, b in self._kinds.items():
                b.add(keys[kind], now, -1)
        return Attempt(self, keys["user"])

    def _give_back(self, username_key: str) -> None:
        buckets = self._kinds.get("user")
        if buckets is not None:
            with self._lock:
                buckets.add(username_key, self.clock(), 1)


def serving_workers(env: Mapping[str, str] | None = None) -> int:
    """How many worker processes this server runs (``gugus serve --workers``)."""
    env = os.environ if env is None else env
    return _workers(env.get(WORKERS_ENV, "1"))


def _workers(raw: str) -> int:
    try:
        workers = int(raw)
    except ValueError:
        workers = 0
    if not 1 <= workers <= 1024:
        raise InvalidInput(f"{WORKERS_ENV}: {raw[:20]!r} is not a number of workers (1 to 1024)")
    return workers


def address_key(address: str | None) -> str:
    """The bucket of a client address: an IPv6 address counts with its /64."""
    if not address:
        return "?"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
