"""What an incoming Telegram update asks of Sedia, decided without any I/O.

Text and button presses in a private chat go to the conversation; commands map to the
conversation's own intents; everything else (photos, stickers, voice, locations, edits,
forwards) gets a polite reply from the channel and never reaches the conversation, so
no pending question is disturbed. In a group, Sedia answers only when addressed, and
then only to suggest a private chat: the interview is personal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Dict, Optional, Tuple

from telegram import CallbackQuery, Chat, Message, Update

from bot.core.invitation_codes import looks_like_code

# Commands and what each sends to the conversation (None: the channel answers itself).
COMMANDS: Dict[str, Tuple[str, ...]] = {
    "start": ("/greet",),
    "help": ("/help",),
    "continue": ("/continue_assessment",),
    "language": (),
    "restart": ("/restart", "/greet"),
    "forget": ("/forget_me",),
    "code": (),  # an invitation code: the channel signs the person in itself
}
# Commands that the interview form would otherwise read as an answer: it is paused first.
PAUSE_FIRST = frozenset({"forget"})
PAUSE_PAYLOAD = "/pause_assessment"
# The order Telegram shows them in its command menu.
MENU = ("start", "help", "continue", "language", "restart", "forget", "code")
LANGUAGE_PAYLOADS = {
    "en": ("English", '/switch_language{"language": "en"}'),
    "ms": ("Bahasa Melayu", '/switch_language{"language": "ms"}'),
}


class Kind(Enum):
    """What to do with an update."""

    CONVERSE = "converse"  # send `texts` to the conversation
    BUTTON = "button"  # a button press: answer it, echo it, then converse
    CHOOSE_LANGUAGE = "choose_language"
    INVITATION = "invitation"  # an invitation code to redeem, then `texts` (if any) to converse
    UNKNOWN_COMMAND = "unknown_command"
    NOT_TEXT = "not_text"
    EDITED = "edited"
    FORWARDED = "forwarded"
    GROUP = "group"  # addressed in a group: suggest a private chat
    IGNORE = "ignore"


@dataclass(frozen=True)
class Incoming:
    """One update, read: who, where, and what it asks for."""

    kind: Kind
    chat_id: Optional[int] = None
    user_id: Optional[int] = None
    texts: Tuple[str, ...] = ()
    command: Optional[str] = None
    callback: Optional[CallbackQuery] = None
    language_hint: Optional[str] = None
    invitation: str = ""

    @property
    def order_key(self) -> str:
        """Updates with the same key are handled one after another, in order."""
        if self.chat_id is not None:
            return f"chat:{self.chat_id}"
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return "none"


def _hint(user) -> Optional[str]:
    code = (getattr(user, "language_code", None) or "").lower()
    return "ms" if code.startswith(("ms", "id")) else ("en" if code else None)


def command_of(text: str, bot_username: str) -> Optional[Tuple[str, bool]]:
    """(command, addressed to us) for "/cmd" or "/cmd@bot args"; None if not a command."""
    if not text.startswith("/") or len(text) < 2 or not text[1].isalpha():
        return None
    head = text[1:].split(maxsplit=1)[0]
    name, _, target = head.partition("@")
    if "{" in name:  # a Rasa payload typed by hand, such as /switch_language{...}
        return None
    addressed = not target or target.lower() == bot_username.lower()
    return name.lower(), addressed


def _is_group(chat: Optional[Chat]) -> bool:
    return chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP)


def _addresses_bot(message: Message, bot_username: str, bot_id: Optional[int]) -> bool:
    text = message.text or message.caption or ""
    if bot_username and f"@{bot_username.lower()}" in text.lower():
        return True
    command = command_of(text, bot_username)
    if command is not None:
        name, addressed = command
        return addressed and name in COMMANDS  # "/start" alone in a group means any bot: ours too
    replied = message.reply_to_message
    return bool(replied and replied.from_user and bot_id is not None and replied.from_user.id == bot_id)


def _from_message(message: Message, edited: bool, bot_username: str, bot_id: Optional[int]) -> Incoming:
    user = message.from_user
    base = dict(chat_id=message.chat.id, user_id=user.id if user else None, language_hint=_hint(user))
    if _is_group(message.chat):
        addressed = _addresses_bot(message, bot_username, bot_id)
        return Incoming(Kind.GROUP if addressed else Kind.IGNORE, **base)
    if message.chat.type != Chat.PRIVATE or user is None or user.is_bot:
        return Incoming(Kind.IGNORE, **base)
    if edited:
        return Incoming(Kind.EDITED, **base)
    if message.forward_origin is not None:
        return Incoming(Kind.FORWARDED, **base)
    if not message.text:
        return Incoming(Kind.NOT_TEXT, **base)
    command = command_of(message.text, bot_username)
    if command is None:
        return Incoming(Kind.CONVERSE, texts=(message.text,), **base)
    name, _ = command
    if name not in COMMANDS:
        return Incoming(Kind.UNKNOWN_COMMAND, **base)
    texts = COMMANDS[name]
    words = message.text.split(maxsplit=1)
    argument = words[1].strip() if len(words) > 1 else ""
    # An invitation link opens the chat with "/start CODE"; "/code CODE" works at any time.
    # Another /start parameter (a link's campaign tag, say) is only a greeting.
    if name == "code" or (name == "start" and looks_like_code(argument)):
        return Incoming(Kind.INVITATION, texts=texts, command=name, invitation=argument[:64], **base)
    return Incoming(Kind.CONVERSE if texts else Kind.CHOOSE_LANGUAGE, texts=texts, command=name, **base)


def _from_callback(query: CallbackQuery) -> Incoming:
    message = query.message
    chat = getattr(message, "chat", None)
    base = dict(
        chat_id=chat.id if chat else None,
        user_id=query.from_user.id,
        callback=query,
        language_hint=_hint(query.from_user),
    )
    if chat is None or chat.type != Chat.PRIVATE:
        return Incoming(Kind.IGNORE, **base)  # still answered, so no spinner is left
    return Incoming(Kind.BUTTON, **base)


def read_update(update: Update, bot_username: str = "", bot_id: Optional[int] = None) -> Incoming:
    """What Sedia should do with `update`."""
    if update.callback_query is not None:
        return _from_callback(update.callback_query)
    if update.message is not None:
        return _from_message(update.message, False, bot_username, bot_id)
    if update.edited_message is not None:
        return _from_message(update.edited_message, True, bot_username, bot_id)
    return Incoming(Kind.IGNORE)
