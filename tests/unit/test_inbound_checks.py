"""What every channel checks before the NLU: size, bad bodies, and repeated message ids."""

from datetime import timedelta

import pytest

from bot.channels.inbound import client_message_id, reply_language, too_long_reply
from bot.channels.rest import read_body
from bot.core import input_checks
from bot.core.input_checks import MAX_MESSAGE_CHARS, is_too_long
from bot.service.health import engine_check, report, status_code
from bot.storage import received
from bot.storage.db import get_engine, session_scope
from bot.storage.models import utcnow


def test_size_is_judged_on_the_words_and_a_huge_message_is_never_cleaned(monkeypatch):
    assert not is_too_long("x" * MAX_MESSAGE_CHARS)
    assert is_too_long("x" * (MAX_MESSAGE_CHARS + 1))
    assert not is_too_long("x " + " " * (MAX_MESSAGE_CHARS * 2))  # white space folds away
    cleaned = []
    monkeypatch.setattr(input_checks, "clean_text", lambda text: cleaned.append(len(text)) or text)
    assert is_too_long("y" * 5_000_000)
    assert input_checks.find_problem("y" * 5_000_000) is input_checks.InputProblem.TOO_LONG
    assert cleaned == []


@pytest.mark.parametrize(
    "language, expected",
    [("en", "too long for me (5000000 characters"), ("ms", "terlalu panjang untuk saya (5000000 aksara")],
)
def test_the_too_long_reply_names_the_size_in_the_conversation_language(language, expected):
    assert expected in too_long_reply("z" * 5_000_000, language)
    assert too_long_reply("a fine message", language) is None


def test_the_reply_language_comes_from_the_hint_then_the_words():
    assert reply_language("anything", "ms") == "ms"
    assert reply_language("saya mahu tahu tentang kredensial mikro " * 3, "xx") == "ms"
    assert reply_language("🙂") == "en"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("abc", "abc"),
        (" abc ", "abc"),
        ("", None),
        ("   ", None),
        ("x" * 129, None),
        (42, None),
        (None, None),
        (["a"], None),
        ({"id": 1}, None),
    ],
)
def test_only_short_strings_are_message_ids(value, expected):
    assert client_message_id(value) == expected


@pytest.mark.parametrize(
    "body, problem",
    [
        (None, "JSON object"),
        ([], "JSON object"),
        ("hi", "JSON object"),
        ({"message": "hi"}, "sender"),
        ({"sender": "", "message": "hi"}, "sender"),
        ({"sender": 5, "message": "hi"}, "sender"),
        ({"sender": "s" * 129, "message": "hi"}, "sender"),
        ({"sender": "a", "message": None}, "message"),
        ({"sender": "a", "message": ["hi"]}, "message"),
        ({"sender": "a", "message": "hi", "message_id": 7}, "message_id"),
        ({"sender": "a", "message": "hi", "message_id": ""}, "message_id"),
        ({"sender": "a", "message": "hi", "metadata": "x"}, "metadata"),
    ],
)
def test_a_bad_rest_body_is_named(body, problem):
    call, said = read_body(body)
    assert call is None and problem in said


def test_a_good_rest_body_is_read():
    call, said = read_body({"sender": "a", "message": "hi", "message_id": "m1", "metadata": {"language": "ms"}})
    assert said is None and call["message_id"] == "m1" and call["metadata"] == {"language": "ms"}


def test_a_message_id_is_claimed_once_released_on_failure_and_forgotten_later(database_url):
    key = received.message_key("sender-1", "m-1")
    assert "sender-1" not in key and "m-1" not in key and len(key) == 64
    with session_scope() as session:
        assert received.claim(session, "widget", key)
    with session_scope() as session:
        assert not received.claim(session, "widget", key)
        assert received.claim(session, "rest", key)  # each channel has its own ids
    with session_scope() as session:
        received.release(session, "widget", key)
    with session_scope() as session:
        assert received.claim(session, "widget", key)  # the retry of a failed message is handled
    with session_scope() as session:
        assert received.forget_old(session, utcnow()) == 0
        assert received.forget_old(session, utcnow() + received.KEEP_RECEIVED_FOR + timedelta(seconds=1)) == 2


def test_health_reports_each_check_and_fails_when_one_fails(sqlite_url):
    assert engine_check(get_engine) == {"ok": True}

    def unreachable():
        raise ConnectionError("no database")

    assert engine_check(unreachable) == {"ok": False, "error": "ConnectionError"}
    good = report({"database": {"ok": True}, "tracker_store": {"ok": True}})
    bad = report({"database": {"ok": False, "error": "OperationalError"}, "tracker_store": {"ok": True}})
    assert (good["status"], status_code(good)) == ("ok", 200)
    assert (bad["status"], status_code(bad)) == ("unavailable", 503)
