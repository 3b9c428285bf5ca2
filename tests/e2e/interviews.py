"""Helpers that run a whole interview through a Chat and check what Sedia stored."""

from __future__ import annotations

import json
from typing import Callable, Dict, Optional

from bot.core.instrument import Item, load_instrument
from bot.core.scoring import score_answers

INSTRUMENT = load_instrument()
SCALE_ITEMS = [i for i in INSTRUMENT.items if not i.is_open]
TYPED = {
    "en": {1: "strongly disagree", 2: "disagree", 3: "neutral", 4: "agree", 5: "5", None: "not sure"},
    "ms": {
        1: "sangat tidak setuju",
        2: "tak setuju",
        3: "berkecuali",
        4: "setuju",
        5: "Sangat setuju",
        None: "tidak pasti",
    },
}
SOURCE = {"en": "Source: Md Rami et al. (2024)", "ms": "Sumber: Md Rami et al. (2024)"}


def planned_value(item: Item) -> Optional[int]:
    """A spread of answers over the scale, with some "not sure"."""
    position = SCALE_ITEMS.index(item)
    return None if position % 7 == 6 else position % 5 + 1


def open_text(item: Item, language: str = "en") -> str:
    """An open answer in the given language, unique to the item."""
    if language == "ms":
        return f"Masalah terbesar kami dalam {item.theme_id} ialah masa dan bajet ({item.id})."
    return f"Our biggest issue in {item.theme_id} is time and money ({item.id})."


def answer_all(
    chat,
    send_scale: Callable[[object, Item, Optional[int]], None],
    before: Optional[Callable] = None,
    language: Callable[[Item], str] = lambda item: "en",
    first: int = 0,
) -> Dict[str, Optional[int]]:
    """Answer every question until the summary, each asked in `language(item)`; `first`:
    how many questions were answered already."""
    sent: Dict[str, Optional[int]] = {}
    asked = []
    while chat.summary() is None:
        item = chat.current_item()
        assert item is not None, f"expected a question, got {chat.texts}"
        assert item.id not in asked, f"{item.id} asked again after a valid answer: {chat.texts}"
        assert item.text.get(language(item)) in chat.joined(), (language(item), chat.texts)
        asked.append(item.id)
        if before:
            before(chat, item)
        if item.is_open:
            chat.say(open_text(item, language(item)))
        else:
            sent[item.id] = planned_value(item)
            send_scale(chat, item, sent[item.id])
    assert asked == [i.id for i in INSTRUMENT.items[first:]]
    return sent


def scale_label(value: Optional[int], language: str) -> str:
    """The button title for a scale value."""
    scale = INSTRUMENT.scale
    return (scale.not_sure_label if value is None else scale.points[value - 1].label).get(language)


def assert_summary_matches(chat, sent: Dict[str, Optional[int]], language: str = "en") -> None:
    """The summary's numbers are the scores of what was sent, worded in `language`."""
    expected = score_answers(sent, INSTRUMENT)
    summary = chat.summary()
    assert summary["complete"] is True
    assert summary["index"] == expected.index
    assert {t["theme"]: t["score"] for t in summary["themes"]} == {t.theme_id: t.score for t in expected.themes}
    text = chat.joined()
    assert f"{expected.index}/100" in text
    for theme in expected.themes:
        name = INSTRUMENT.theme(theme.theme_id).name.get(language)
        assert f"{name}: {theme.score:.1f}/5 ({theme.level.label.get(language)})" in text
    assert SOURCE[language] in text


def assert_stored(
    sedia,
    chat,
    sent: Dict[str, Optional[int]],
    profile: Dict[str, str],
    language: Callable[[Item], str] = lambda item: "en",
) -> None:
    """Every answer is in the database and in the export, in the language it was given in."""
    rows = sedia.db.answers(chat.sender, chat.channel)
    assert len(rows) == len(INSTRUMENT.items)
    by_item = {r["item"]: r for r in rows}
    for item in INSTRUMENT.items:
        row = by_item[item.id]
        assert row["theme"] == item.theme_id and row["channel"] == chat.channel, row
        assert row["language"] == language(item), row
        if item.is_open:
            assert row["value"] is None and row["text"] == open_text(item, language(item))
        else:
            assert row["value"] == sent[item.id] and row["text"] is None
    [assessment] = sedia.db.assessments(chat.sender, chat.channel)
    assert assessment["status"] == "completed" and assessment["completed_at"] is not None
    assert {k: assessment[k] for k in profile} == profile
    exported = [
        r
        for r in json.loads(sedia.export("json"))
        if r["respondent_id"] == sedia.db.respondent(chat.sender, chat.channel)
    ]
    assert len(exported) == len(INSTRUMENT.items)
    assert {r["item"]: (r["value"], r["language"]) for r in exported} == {
        r["item"]: (r["value"], r["language"]) for r in rows
    }
    assert all(r[k] == v for r in exported for k, v in profile.items())
    assert chat.sender not in json.dumps(exported)


def pressing(language: str) -> Callable[[object, Item, Optional[int]], None]:
    """Answer scale questions with the buttons labelled in `language`."""
    return lambda chat, item, value: chat.press(scale_label(value, language))


def typing(language: Callable[[Item], str]) -> Callable[[object, Item, Optional[int]], None]:
    """Answer scale questions by typing words of `language(item)`."""
    return lambda chat, item, value: chat.say(TYPED[language(item)][value])


def finish_and_check(
    sedia,
    chat,
    send,
    profile: Dict[str, str],
    language: Callable[[Item], str] = lambda item: "en",
    summary_language: str = "en",
    before: Optional[Callable] = None,
    asked_in: Optional[Callable[[Item], str]] = None,
) -> Dict[str, Optional[int]]:
    """Answer every question, then check the summary, the stored rows and the export."""
    sent = answer_all(chat, send, before=before, language=asked_in or language)
    assert_summary_matches(chat, sent, summary_language)
    assert_stored(sedia, chat, sent, profile, language=language)
    return sent
