"""Health checks that tell the truth: each one touches what it reports on.

The web app's `/health` and the Rasa server's (`/webhooks/rest/`, Sedia's REST channel)
answer 200 only when every check passes, else 503 with the failing check named, so the
launcher, a load balancer or an operator sees a server that cannot work. Errors are
reported by their kind only: a health page is public.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.storage.conversations import tracker_engine
from bot.storage.db import get_engine, off_loop

Check = Dict[str, Any]


def engine_check(engine_of: Callable[[], Engine]) -> Check:
    """Connect and run `SELECT 1`."""
    try:
        with engine_of().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def report(checks: Dict[str, Check]) -> Dict[str, Any]:
    """The health document: "ok" when every check passed, "unavailable" otherwise."""
    healthy = all(check["ok"] for check in checks.values())
    return {"status": "ok" if healthy else "unavailable", "checks": checks}


async def web_app_health() -> Dict[str, Any]:
    """The web app reads Sedia's database and the conversation logs (the tracker store)."""
    return report(
        {
            "database": await off_loop(engine_check, get_engine),
            "tracker_store": await off_loop(engine_check, tracker_engine),
        }
    )


async def rasa_health(agent: Optional[Any]) -> Dict[str, Any]:
    """A Rasa server needs its model loaded, its tracker store and Sedia's database
    (the channels keep their bookkeeping there)."""
    loaded = agent is not None and agent.is_ready()
    checks: Dict[str, Check] = {"model": {"ok": True} if loaded else {"ok": False, "error": "not loaded"}}
    store_engine = getattr(getattr(agent, "tracker_store", None), "engine", None)
    if store_engine is not None:
        checks["tracker_store"] = await off_loop(engine_check, lambda: store_engine)
    else:
        checks["tracker_store"] = {"ok": loaded, **({} if loaded else {"error": "not loaded"})}
    checks["database"] = await off_loop(engine_check, get_engine)
    return report(checks)


def status_code(document: Dict[str, Any]) -> int:
    """200 for a healthy server, 503 otherwise."""
    return 200 if document["status"] == "ok" else 503
