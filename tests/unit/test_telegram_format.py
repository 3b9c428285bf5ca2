"""Telegram rendering: HTML escaping, splitting at 4,096 characters, keyboards."""

from __future__ import annotations

import html
import re

from bot.channels.telegram_format import (
    CALLBACK_DATA_LIMIT,
    TEXT_LIMIT,
    CallbackPayloads,
    keyboard_rows,
    pressed_title,
    split_message,
    telegram_length,
    to_html,
)
from bot.core.instrument import load_instrument
from bot.core.plan import build_plan, render_markdown

TAG = re.compile(r"<[^>]+>")


def visible(chunks):
    return "\n".join(html.unescape(TAG.sub("", c)) for c in chunks)


def test_markup_characters_are_escaped_and_only_sedias_marks_become_tags():
    rendered = to_html('Budget < 5% & "MQA" <script>alert(1)</script> **Act now**')
    assert rendered == 'Budget &lt; 5% &amp; "MQA" &lt;script&gt;alert(1)&lt;/script&gt; <b>Act now</b>'


def test_headings_lists_and_checklists_read_well_on_a_phone():
    rendered = to_html("# Plan\n## 1. Training\n- **Dean**: fund it\n- [ ] Check MQF level\nplain")
    assert rendered.split("\n") == [
        "<b>Plan</b>",
        "<b>1. Training</b>",
        "• <b>Dean</b>: fund it",
        "☐ Check MQF level",
        "plain",
    ]


def test_a_short_reply_is_one_message():
    assert split_message("Hello\n\nWorld") == ["Hello\n\nWorld"]


def test_a_long_plan_is_split_between_paragraphs_within_the_limit():
    instrument = load_instrument()
    plan = build_plan({item.id: 1 for item in instrument.items if not item.is_open}, instrument)
    markdown = render_markdown(plan, instrument, "ms")
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", markdown) if p.strip()]
    long_text = "\n\n".join(paragraphs * 4)  # well over 4,096 characters
    chunks = split_message(long_text)
    assert len(chunks) > 1
    assert all(telegram_length(c) <= TEXT_LIMIT for c in chunks)
    # Nothing is lost or reordered, and every cut falls between paragraphs.
    assert visible(chunks).split() == visible([to_html(long_text)]).split()
    rendered_paragraphs = {to_html(p) for p in paragraphs}
    for chunk in chunks:
        assert all(part in rendered_paragraphs for part in chunk.split("\n\n"))


def test_a_paragraph_or_a_line_longer_than_the_limit_is_cut_at_lines_then_words():
    lines = [f"- line {n} " + "word " * 30 for n in range(60)]
    giant_line = " ".join(f"w{n}" for n in range(3000))
    chunks = split_message("\n".join(lines) + "\n\n" + giant_line, limit=1000)
    assert all(telegram_length(c) <= 1000 for c in chunks)
    words = visible(chunks).split()
    assert words == visible([to_html("\n".join(lines) + "\n\n" + giant_line)]).split()
    unbroken = "x" * 2500
    assert "".join(split_message(unbroken, limit=1000)) == unbroken


def test_length_is_counted_as_telegram_counts_it():
    assert telegram_length("abc") == 3
    assert telegram_length("👍") == 2  # one emoji, two UTF-16 code units
    chunks = split_message(" ".join(["👍👍👍"] * 1000), limit=100)
    assert all(telegram_length(c) <= 100 for c in chunks)


def test_short_payloads_are_callback_data_and_long_ones_go_by_a_key():
    payloads = CallbackPayloads(capacity=2)
    short = '/switch_language{"language": "ms"}'
    assert payloads.data_for(short) == short and payloads.payload_for(short) == short
    long = '/inform_profile{"faculty": "' + "Fakulti Pengajian Pendidikan " * 3 + '"}'
    key = payloads.data_for(long)
    assert len(key.encode()) <= CALLBACK_DATA_LIMIT and key != long
    assert payloads.payload_for(key) == long
    for n in range(2):  # older keys are forgotten beyond the capacity
        payloads.data_for(long + " " * (n + 1))
    assert payloads.payload_for(key) is None
    assert payloads.payload_for("") is None


def test_buttons_become_one_per_row_and_links_stay_links():
    payloads = CallbackPayloads()
    rows = keyboard_rows(
        [
            {"title": "Agree", "payload": '/answer_scale{"scale_value": "4"}'},
            {"title": "Read", "url": "https://mqa.gov.my"},
        ],
        payloads,
    )
    assert rows == [
        [{"text": "Agree", "callback_data": '/answer_scale{"scale_value": "4"}'}],
        [{"text": "Read", "url": "https://mqa.gov.my"}],
    ]

    class Button:
        def __init__(self, text, data):
            self.text, self.callback_data = text, data

    assert pressed_title([[Button("Agree", "a"), Button("Disagree", "d")]], "d") == "Disagree"
    assert pressed_title([[Button("Agree", "a")]], "x") is None
