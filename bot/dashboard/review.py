"""Conversation review within what an account may see: a manager only the conversations
whose profile names their institution (as the conversation index holds it), an admin
all of them."""

from __future__ import annotations

from typing import Optional

from sanic.request import Request

from bot.core.instrument import load_instrument
from bot.dashboard.auth import Refused
from bot.dashboard.parameters import date_range, text_arg, whole_number
from bot.storage import conversations as logs
from bot.storage.accounts import Account
from bot.storage.conversations import ConversationFilter, Visible

PAGE_SIZE = 50
# Far beyond any real list, and small enough that its offset fits every database's integer.
MAX_PAGE = 1_000_000


def visible_to(account: Account) -> Visible:
    """The conversations an account may read: all for an admin, else its institution's
    (none when it has no institution)."""
    if account.sees_everything:
        return Visible(everything=True)
    return Visible(institution=account.institution)


def conversation_filter(request: Request) -> ConversationFilter:
    """The review filters of a request: from, to, channel, theme, fallback=yes|no."""
    theme = text_arg(request, "theme")
    if theme is not None and theme not in load_instrument().theme_ids:
        raise Refused(400, f"'theme' must be one of {', '.join(load_instrument().theme_ids)}.")
    fallback_raw = text_arg(request, "fallback") or ""
    if fallback_raw not in ("", "yes", "no", "true", "false"):
        raise Refused(400, "'fallback' must be yes or no.")
    since, until = date_range(request)
    return ConversationFilter(
        since=since,
        until=until,
        channel=text_arg(request, "channel"),
        theme=theme,
        fallback={"": None, "yes": True, "true": True, "no": False, "false": False}[fallback_raw],
    )


def conversation_page(account: Account, request: Request) -> dict:
    """One page of the conversation list, as JSON (filtered and paged in SQL)."""
    wanted = conversation_filter(request)
    page = whole_number(request, "page", 1, 1, MAX_PAGE)
    total, found = logs.list_conversations(wanted, visible_to(account), page, PAGE_SIZE)
    return {
        "total": total,
        "page": page,
        "page_size": PAGE_SIZE,
        "conversations": [c.document() for c in found],
    }


def conversation_transcript(account: Account, pseudonym: str) -> Optional[dict]:
    """A transcript the account may read, or None."""
    found = logs.find_conversation(pseudonym, visible_to(account))
    if found is None:
        return None
    return {**found.document(), "messages": logs.transcript(found)}


def not_understood(account: Account, request: Request) -> dict:
    """The messages the NLU could not place, within what the account may see."""
    found = logs.not_understood(visible_to(account), conversation_filter(request))
    return {"messages": [m.document() for m in found]}
