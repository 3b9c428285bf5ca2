"""Property-based fuzzing of every parser an input surface feeds (issue 16, abuse tests):
random Unicode, huge texts, wrong types and malformed payloads never raise, and what
they return is always one of the answers the caller expects."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Bot, Update

from bot.channels.inbound import client_message_id, reply_language, too_long_reply
from bot.channels.rest import read_body
from bot.channels.telegram_updates import Incoming, Kind, read_update
from bot.channels.widget_sessions import is_issued
from bot.core.answers import (
    SCALE_INTENT,
    parse_open_answer,
    parse_scale_answer,
    parse_yes_no,
    payload_value,
    scale_button_item,
)
from bot.core.input_checks import InputProblem, clean_text, explain_problem, find_problem
from bot.core.instrument import load_instrument
from bot.core.language import detect_language, requested_language
from bot.core.profile import parse_profile_field
from bot.nlp.gazetteer import load_gazetteer

INSTRUMENT = load_instrument()
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)

texts = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
    st.builds(lambda t, n: t * n, st.text(min_size=1, max_size=5), st.integers(1, 3000)),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\u202e4",
            "٤",
            "４",
            "/answer_scale{",
            '/answer_scale{"scale_value": 4}',
            '/answer_scale{"scale_value": "4", "scale_item": ["x"]}',
            "/" * 500,
            "{" * 200,
        ]
    ),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(texts)
def test_text_parsers_never_raise_and_answer_in_range(text: str):
    problem = find_problem(text)
    assert problem is None or isinstance(problem, InputProblem)
    if problem is not None:
        assert explain_problem(problem, text, "ms")
    assert isinstance(clean_text(text), str)
    scale = parse_scale_answer(text, INSTRUMENT)
    assert scale is None or scale.value is None or INSTRUMENT.scale.minimum <= scale.value <= INSTRUMENT.scale.maximum
    assert parse_yes_no(text) in (True, False, None)
    opened = parse_open_answer(text, INSTRUMENT.open_rules)
    assert opened is None or opened.text is None or len(opened.text) <= INSTRUMENT.open_rules.max_chars
    assert detect_language(text) in ("en", "ms", None)
    assert requested_language(text) in ("en", "ms", None)
    for field in INSTRUMENT.profile.field_ids:
        found = parse_profile_field(field, text, [], INSTRUMENT, load_gazetteer())
        assert found is None or isinstance(found, str)
    assert reply_language(text, text) in ("en", "ms")
    refusal = too_long_reply(text, "en")
    assert refusal is None or "too long" in refusal


@FUZZ
@given(json_values, st.text(max_size=20))
def test_button_payloads_of_any_shape_are_read_or_refused(value: Any, entity: str):
    payload = f"/{SCALE_INTENT}{json.dumps(value)}"
    got = payload_value(payload, SCALE_INTENT, entity)
    assert got is None or isinstance(got, str)
    assert scale_button_item(payload) is None or isinstance(scale_button_item(payload), str)
    parse_scale_answer(payload, INSTRUMENT)


@FUZZ
@given(json_values)
def test_rest_bodies_of_any_shape_are_read_or_named(body: Any):
    call, problem = read_body(body)
    assert (call is None) != (problem is None)
    if call is not None:
        assert isinstance(call["sender"], str) and isinstance(call["message"], str)
        assert call["message_id"] is None or isinstance(call["message_id"], str)
    assert client_message_id(body) is None or isinstance(body, str)
    assert is_issued(body, "key") is False


# Telegram updates: the Bot API's shapes, with every field taking odd values too.
users = st.fixed_dictionaries(
    {"id": st.integers(1, 2**40), "is_bot": st.booleans(), "first_name": st.text(max_size=30)},
    optional={"language_code": st.text(max_size=5), "username": st.text(max_size=30)},
)
chats = st.fixed_dictionaries(
    {
        "id": st.integers(-(2**40), 2**40),
        "type": st.sampled_from(["private", "group", "supergroup", "channel", "weird"]),
    }
)
messages = st.fixed_dictionaries(
    {"message_id": st.integers(1, 2**31), "date": st.integers(0, 2**31), "chat": chats},
    optional={
        "from": users,
        "text": texts,
        "caption": texts,
        "photo": st.just([]),
        "forward_origin": st.just({"type": "hidden_user", "date": 0, "sender_user_name": "x"}),
        "reply_to_message": st.fixed_dictionaries(
            {"message_id": st.integers(1, 9), "date": st.just(0), "chat": chats}, optional={"from": users}
        ),
    },
)
updates = st.one_of(
    st.fixed_dictionaries({"update_id": st.integers(0, 2**31), "message": messages}),
    st.fixed_dictionaries({"update_id": st.integers(0, 2**31), "edited_message": messages}),
    st.fixed_dictionaries(
        {
            "update_id": st.integers(0, 2**31),
            "callback_query": st.fixed_dictionaries(
                {"id": st.text(min_size=1, max_size=10), "from": users, "chat_instance": st.text(max_size=5)},
                optional={"message": messages, "data": texts},
            ),
        }
    ),
    st.fixed_dictionaries({"update_id": st.integers(0, 2**31)}),  # a kind Sedia does not ask for
)
BOT = Bot("123:abc")


@FUZZ
@given(updates, st.text(max_size=20), st.one_of(st.none(), st.integers()))
def test_telegram_updates_of_any_shape_are_read(data: dict, username: str, bot_id):
    update = Update.de_json(data, BOT)
    incoming = read_update(update, username, bot_id)
    assert isinstance(incoming, Incoming) and isinstance(incoming.kind, Kind)
    assert all(isinstance(text, str) for text in incoming.texts)
    assert isinstance(incoming.order_key, str)


@FUZZ
@given(texts)
def test_cleaning_twice_changes_nothing(text):
    # The answer parsers clean a message once and match on the cleaned text.
    once = clean_text(text)
    assert clean_text(once) == once
    assert parse_scale_answer(once, INSTRUMENT) == parse_scale_answer(text, INSTRUMENT)
