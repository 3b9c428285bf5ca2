"""Conversation review within what an account may see: a manager only the conversations
of people whose profile names their institution, an admin all of them."""
from __future__ import annotations

from typing import Dict, List, Optional

from sanic.request import Request
from sqlalchemy import select

from bot.dashboard.auth import Refused, date_range, text_arg, whole_number
from bot.instrument import load_instrument
from bot.storage import conversations as logs
from bot.storage.accounts import Account
from bot.storage.conversations import Conversation, ConversationFilter
from bot.storage.db import session_scope
from bot.storage.models import Profile
from bot.storage.pseudonym import respondent_id

PAGE_SIZE = 50


def _institutions(found: List[Conversation]) -> Dict[str, Optional[str]]:
    respondents = {c.sender_id: respondent_id(c.channel, c.sender_id) for c in found}
    with session_scope() as session:
        rows = session.execute(
            select(Profile.respondent_id, Profile.institution).where(Profile.respondent_id.in_(set(respondents.values())))
        )
        by_respondent = dict(rows.all())
    return {sender: by_respondent.get(rid) for sender, rid in respondents.items()}


def visible_conversations(account: Account, wanted: ConversationFilter) -> List[Conversation]:
    """The conversations matching `wanted` that this account may read, newest first."""
    found = logs.list_conversations(wanted)
    if account.sees_everything:
        return found
    institutions = _institutions(found)
    return [c for c in found if institutions.get(c.sender_id) == account.institution]


def conversation_filter(request: Request) -> ConversationFilter:
    """The review filters of a request: from, to, channel, theme, fallback=yes|no."""
    theme = text_arg(request, "theme")
    if theme is not None and theme not in load_instrument().theme_ids:
        raise Refused(400, f"'theme' must be one of {', '.join(load_instrument().theme_ids)}.")
    fallback_raw = (request.args.get("fallback") or "").strip().lower()
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
    """One page of the conversation list, as JSON."""
    found = visible_conversations(account, conversation_filter(request))
    page = whole_number(request, "page", 1, 1)
    start = (page - 1) * PAGE_SIZE
    return {
        "total": len(found),
        "page": page,
        "page_size": PAGE_SIZE,
        "conversations": [c.document() for c in found[start:start + PAGE_SIZE]],
    }


def conversation_transcript(account: Account, pseudonym: str) -> Optional[dict]:
    """A transcript the account may read, or None."""
    found = logs.find_conversation(pseudonym, visible_conversations(account, ConversationFilter()))
    if found is None:
        return None
    return {**found.document(), "messages": logs.transcript(found)}


def not_understood(account: Account, request: Request) -> dict:
    """The messages the NLU could not place, within what the account may see."""
    wanted = conversation_filter(request)
    senders = {c.sender_id for c in visible_conversations(account, ConversationFilter())}
    found = logs.not_understood(lambda sender: sender in senders, wanted)
    return {"messages": [m.document() for m in found]}
