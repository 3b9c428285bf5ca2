"""How often one address, one account or one link may try something (issue 19).

Every rule is a moving window from the `limits` library, kept in memory by default and in
Redis when `SEDIA_REDIS_URL` is set (`SEDIA_RATE_LIMITS_URL` overrides both), so that
replicas share their counts. `SEDIA_RATE_LIMITS` sets any rule otherwise. The rules:

| rule | key | limit | why |
|---|---|---|---|
| `sign_in_address` | address | 10/minute, 60/hour | guessing from one place |
| `sign_in_failures_name_address` | name, address | 5 per 15 minutes | guessing one name from one place |
| `sign_in_failures_name` | name | 20/hour | guessing one name from many places |
| `api_address` | address | 120/minute | scripts on the JSON API |
| `api_account` | account | 300/minute | one account's scripts, wherever they run |
| `bad_token_address` | address | 10/minute | guessing API tokens |
| `plan_address` | address | 30/minute | guessing or scraping plan links |
| `plan_link` | link | 60/hour | one link passed around |
| `widget_connect_address` | address | 30/minute | opening widget sockets |
| `widget_message_session` | widget session | 60/minute | flooding the chat (a person answering by buttons sends far fewer) |

A name over `sign_in_failures_name` is refused only from addresses that have failed on it
in the window (`is_clean`), so failures from elsewhere cannot lock its owner out.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any, Dict, List, Optional, Sequence

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.config.settings import SettingError, rate_limit_overrides, rate_limits_url

RULES: Dict[str, str] = {
    "sign_in_address": "10/minute;60/hour",
    "sign_in_failures_name_address": "5 per 15 minutes",
    "sign_in_failures_name": "20/hour",
    "api_address": "120/minute",
    "api_account": "300/minute",
    "bad_token_address": "10/minute",
    "plan_address": "30/minute",
    "plan_link": "60/hour",
    "widget_connect_address": "30/minute",
    "widget_message_session": "60/minute",
}


class RateLimits:
    """The rules above over one storage (memory or Redis)."""

    def __init__(self, storage_url: str = "memory://", overrides: Optional[Dict[str, str]] = None) -> None:
        unknown = sorted(set(overrides or {}) - set(RULES))
        if unknown:
            raise SettingError(
                f"SEDIA_RATE_LIMITS names no rule {', '.join(unknown)}; the rules are {', '.join(RULES)}"
            )
        self._storage = storage_from_string(storage_url)
        self._limiter = MovingWindowRateLimiter(self._storage)
        specs = {**RULES, **(overrides or {})}
        try:
            self._items: Dict[str, List[RateLimitItem]] = {name: parse_many(spec) for name, spec in specs.items()}
        except ValueError as error:
            raise SettingError(f"SEDIA_RATE_LIMITS: {error}") from error

    def _key(self, key: Sequence[str]) -> List[str]:
        return [str(part) for part in key]

    def allow(self, rule: str, *key: str) -> bool:
        """Count one attempt under `rule` and say whether it is within every limit; a
        refused attempt is not counted, so waiting always helps."""
        if self.exceeded(rule, *key):
            return False
        for item in self._items[rule]:
            self._limiter.hit(item, rule, *self._key(key))
        return True

    def record(self, rule: str, *key: str) -> None:
        """Count one event (a failure) under `rule`, whether or not it is over the limit."""
        for item in self._items[rule]:
            self._limiter.hit(item, rule, *self._key(key))

    def exceeded(self, rule: str, *key: str) -> bool:
        """True when one more attempt would go over a limit of `rule`."""
        return not all(self._limiter.test(item, rule, *self._key(key)) for item in self._items[rule])

    def is_clean(self, rule: str, *key: str) -> bool:
        """True when nothing has been counted under `rule` for `key` in its windows."""
        return all(
            self._limiter.get_window_stats(item, rule, *self._key(key))[1] == item.amount for item in self._items[rule]
        )

    def retry_after(self, rule: str, *key: str) -> int:
        """Seconds until `rule` allows `key` again (at least 1)."""
        now = time.time()
        waits = [
            reset - now
            for item in self._items[rule]
            for reset, remaining in [self._limiter.get_window_stats(item, rule, *self._key(key))]
            if remaining <= 0
        ]
        return max(1, int(max(waits, default=1) + 0.999))

    def reset(self) -> None:
        """Forget every count (tests use this between cases)."""
        self._storage.reset()


@lru_cache(maxsize=1)
def rate_limits() -> RateLimits:
    """This process's rate limits, over the configured storage, with any overrides."""
    return RateLimits(rate_limits_url(), rate_limit_overrides())


def address_of(request: Any) -> str:
    """The client's address as the web framework saw it: the forwarded address when a
    trusted proxy sets one (Sanic's `remote_addr`), else the socket's peer."""
    return str(getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "unknown")
