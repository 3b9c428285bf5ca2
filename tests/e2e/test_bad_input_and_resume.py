"""Bad input gets a clear answer and loses nothing; a paused interview survives a restart."""
from __future__ import annotations

import pytest

from bot.instrument import load_instrument

INSTRUMENT = load_instrument()

BAD_INPUTS = [
    ("", "didn't get any text"),
    ("   \n\t ", "didn't get any text"),
    ("x" * 20000, "too long for me (20000 characters"),
    ("Please read this. " * 1200, "too long for me"),
    ("😀😀🎉👍", "can't read emoji or symbols"),
    ("\x00\x07\x1b[31m\x1b[0m", "didn't get any text"),
    ("வணக்கம், எப்படி இருக்கிறீர்கள்?", "can only read English and Bahasa Melayu"),
    ("你好，请问什么是微证书？", "can only read English and Bahasa Melayu"),
]


@pytest.mark.parametrize("message, expected", BAD_INPUTS, ids=[f"bad{n}" for n in range(len(BAD_INPUTS))])
def test_bad_input_outside_the_interview_gets_a_clear_reply(sedia, message, expected):
    chat = sedia.chat()
    chat.say(message)
    assert expected in chat.joined()


def test_bad_input_inside_the_interview_is_never_stored(sedia):
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say("I coordinate the MEd programme at UPM's education faculty, Serdang")
    first = INSTRUMENT.items[0]
    assert chat.current_item() == first
    for message, expected in BAD_INPUTS + [("banana", ""), ("45", ""), ("0", ""), ("4 strongly disagree", "")]:
        chat.say(message)
        text = chat.joined()
        assert expected in text
        assert INSTRUMENT.scale.hint.get("en") in text
        assert chat.current_item() == first, f"{message[:20]!r} moved the interview on"
        assert sedia.db.answers(chat.sender) == []
    chat.say("3")
    [row] = sedia.db.answers(chat.sender)
    assert (row["item"], row["value"]) == (first.id, 3)
    # An open question refuses an over-long answer the same way.
    for item in INSTRUMENT.theme("conceptualisation").scale_items[1:]:
        chat.say("agree")
    assert chat.current_item().is_open
    chat.say("y" * 20000)
    assert "too long for me" in chat.joined() and chat.current_item().is_open
    assert len(sedia.db.answers(chat.sender)) == len(INSTRUMENT.theme("conceptualisation").scale_items)


def test_pause_then_resume_after_restarting_the_servers(sedia):
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say("I coordinate the MEd programme at UPM's education faculty, Serdang")
    for value in ("4", "3", "2"):
        chat.say(value)
    assert chat.current_item() == INSTRUMENT.items[3]
    chat.say("stop")
    assert "Paused" in chat.joined()
    [assessment] = sedia.db.assessments(chat.sender)
    assert assessment["status"] == "paused"
    assert [r["value"] for r in sedia.db.answers(chat.sender)] == [4, 3, 2]

    sedia.stack.stop()
    sedia.stack.start()

    chat.say("continue")
    assert "Welcome back" in chat.joined() and f"3 of {len(INSTRUMENT.items)}" in chat.joined()
    assert chat.current_item() == INSTRUMENT.items[3]
    assert sedia.db.assessments(chat.sender)[0]["status"] == "started"
    chat.say("5")
    assert [r["value"] for r in sedia.db.answers(chat.sender)] == [4, 3, 2, 5]
    assert chat.current_item() == INSTRUMENT.items[4]
    # Changing an answer is not possible by retrying: the same item keeps one row.
    assert len({r["item"] for r in sedia.db.answers(chat.sender)}) == 4


@pytest.mark.parametrize("message", ["what's the weather in Ipoh today?", "qwerty zxcv plok", "sing me a song"])
def test_out_of_scope_and_unclear_messages_say_what_sedia_can_do(sedia, message):
    chat = sedia.chat()
    chat.say(message)
    text = chat.joined()
    assert "MQA" in text and ("assessment" in text), text


def test_a_widget_cannot_write_into_a_conversation_it_did_not_open(sedia):
    import asyncio

    from tests.e2e.widget_socket import WidgetSocket

    origin = f"http://127.0.0.1:{sedia.stack.web_port}"

    async def scenario() -> None:
        owner, intruder = WidgetSocket(sedia.rasa_url, origin), WidgetSocket(sedia.rasa_url, origin)
        session = await owner.open()
        assert len(session) == 65 and "." in session  # issued and signed by the server
        await owner.say("hello")
        calls = len(sedia.action_calls.calls(session))
        # A made-up id is not continued: the server issues a new one instead.
        made_up = await intruder.open("0" * 32 + "." + "f" * 32)
        assert made_up not in (session, "0" * 32 + "." + "f" * 32)
        # Naming someone else's session in a message is refused, politely.
        refused = await intruder.say("delete my data", session=session)
        assert "belongs to another chat session" in refused[0]["text"]
        assert len(sedia.action_calls.calls(session)) == calls  # nothing ran for the owner
        # The owner's own conversation goes on: a reload (new socket, same id) continues it.
        await owner.close()
        again = WidgetSocket(sedia.rasa_url, origin)
        assert await again.open(session) == session
        replies = await again.say("start the assessment", wait_for=2)
        assert any("May I store your answers?" in (r.get("text") or "") for r in replies), replies
        await intruder.close()
        await again.close()

    asyncio.run(scenario())
