"""Sedia's replies as Telegram messages: HTML text within Telegram's length limit, and
buttons as inline keyboards whose callback data fits Telegram's 64 bytes.

Sedia writes a small Markdown subset (headings, bullet and check lists, **bold**).
Telegram's HTML parse mode needs only `<`, `>` and `&` escaped, so every character is
escaped first and then the few marks become tags; no reply can inject markup.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import OrderedDict
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.core.documents import BOLD

TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
LONG_PAYLOAD_PREFIX = "k:"


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _inline(text: str) -> str:
    return BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def line_to_html(line: str) -> str:
    """One line of Sedia's Markdown as Telegram HTML."""
    stripped = line.strip()
    for mark in ("### ", "## ", "# "):
        if stripped.startswith(mark):
            return f"<b>{_inline(stripped[len(mark) :])}</b>"
    if stripped.startswith("- [ ] "):
        return "☐ " + _inline(stripped[6:])
    if stripped.startswith("- "):
        return "• " + _inline(stripped[2:])
    return _inline(line)


def to_html(markdown: str) -> str:
    """Sedia's Markdown as Telegram HTML, line by line."""
    return "\n".join(line_to_html(line) for line in markdown.split("\n"))


def _cut_word(word: str, limit: int) -> List[str]:
    """A word too long for one message, in the largest pieces that fit."""
    pieces: List[str] = []
    while telegram_length(line_to_html(word)) > limit:
        cut = limit
        while cut > 1 and telegram_length(line_to_html(word[:cut])) > limit:
            cut -= max(1, telegram_length(line_to_html(word[:cut])) - limit)
        pieces.append(word[:cut])
        word = word[cut:]
    return pieces + [word] if word else pieces


def _line_units(line: str, limit: int, separator: str) -> List[Tuple[str, str]]:
    """A line too long for one message as (separator, HTML) units: cut between words, and
    inside a word only when the word alone is too long."""
    units: List[Tuple[str, str]] = []

    def emit(text: str, joiner: str) -> None:
        units.append((separator if not units else joiner, line_to_html(text)))

    current, current_joiner = "", " "
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if telegram_length(line_to_html(candidate)) <= limit:
            current = candidate
            continue
        if current:
            emit(current, current_joiner)
        pieces = _cut_word(word, limit)
        for index, piece in enumerate(pieces[:-1]):
            emit(piece, " " if index == 0 else "")
        current, current_joiner = pieces[-1], ("" if len(pieces) > 1 else " ")
    if current:
        emit(current, current_joiner)
    return units


def _units(markdown: str, limit: int) -> List[Tuple[str, str]]:
    """(separator before it, HTML) for each paragraph, or for its lines when it is too long."""
    units: List[Tuple[str, str]] = []
    for paragraph in re.split(r"\n\s*\n", markdown.strip("\n")):
        if not paragraph.strip():
            continue
        rendered = to_html(paragraph)
        if telegram_length(rendered) <= limit:
            units.append(("\n\n", rendered))
            continue
        for index, line in enumerate(paragraph.split("\n")):
            units += _line_units(line, limit, "\n\n" if index == 0 else "\n")
    return units


def split_message(markdown: str, limit: int = TEXT_LIMIT) -> List[str]:
    """The reply as HTML messages of at most `limit` characters, cut between paragraphs
    where possible, else between lines, else between words."""
    chunks: List[str] = []
    current = ""
    for separator, unit in _units(markdown, limit):
        candidate = f"{current}{separator}{unit}" if current else unit
        if telegram_length(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = unit
    if current:
        chunks.append(current)
    return chunks


class CallbackPayloads:
    """Button payloads as callback data: short ones as they are, long ones by a key.

    The keys live in memory (the most recent `capacity`), so a button whose key was
    forgotten (after a restart, say) resolves to None and the user is asked to use the
    latest buttons instead.
    """

    def __init__(self, capacity: int = 20000) -> None:
        self.capacity = capacity
        self._by_key: "OrderedDict[str, str]" = OrderedDict()

    def data_for(self, payload: str) -> str:
        """The callback data that stands for `payload`."""
        if len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT and not payload.startswith(LONG_PAYLOAD_PREFIX):
            return payload
        key = LONG_PAYLOAD_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
        self._by_key[key] = payload
        self._by_key.move_to_end(key)
        while len(self._by_key) > self.capacity:
            self._by_key.popitem(last=False)
        return key

    def payload_for(self, data: Optional[str]) -> Optional[str]:
        """The payload a pressed button stands for, or None if it is unknown."""
        if not data:
            return None
        if data.startswith(LONG_PAYLOAD_PREFIX):
            return self._by_key.get(data)
        return data


def keyboard_rows(buttons: Sequence[Mapping[str, str]], payloads: CallbackPayloads) -> List[List[Dict[str, str]]]:
    """Rasa buttons as inline keyboard rows (one button a row, readable on a phone).

    A button with a `url` opens it; every other button sends its payload back.
    """
    rows: List[List[Dict[str, str]]] = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "")
        if button.get("url"):
            rows.append([{"text": title, "url": str(button["url"])}])
        elif button.get("payload"):
            rows.append([{"text": title, "callback_data": payloads.data_for(str(button["payload"]))}])
    return rows


def pressed_title(keyboard: Iterable[Iterable[object]], data: str) -> Optional[str]:
    """The title of the button in `keyboard` whose callback data is `data`."""
    for row in keyboard:
        for button in row:
            if getattr(button, "callback_data", None) == data:
                return getattr(button, "text", None)
    return None
