"""Bad input gets a clear answer and loses nothing; a paused interview survives a restart."""

from __future__ import annotations

import pytest

from bot.core.instrument import load_instrument

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
        calls = len(sedia.action_calls.calls(chat.sender))
        chat.say(message)
        text = chat.joined()
        assert expected in text
        if "too long" in expected:
            # Refused by the channel before any NLU: nothing ran, so nothing moved on.
            assert len(sedia.action_calls.calls(chat.sender)) == calls
        else:
            assert INSTRUMENT.scale.hint.get("en") in text
            assert chat.current_item() == first, f"{message[:20]!r} moved the interview on"
        assert sedia.db.answers(chat.sender) == []
    chat.say("3")
    [row] = sedia.db.answers(chat.sender)
    assert (row["item"], row["value"]) == (first.id, 3)
    # An open question refuses an over-long answer the same way.
    for _item in INSTRUMENT.theme("conceptualisation").scale_items[1:]:
        chat.say("agree")
    assert chat.current_item().is_open
    open_item = chat.current_item()
    chat.say("y" * 20000)
    assert "too long for me" in chat.joined()
    chat.say("help")
    assert chat.current_item() == open_item  # still waiting for the open answer
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


def _at_the_first_question(sedia):
    chat = sedia.chat()
    chat.say("start assessment")
    chat.press("Yes, I agree")
    chat.say("I coordinate the MEd programme at UPM's education faculty, Serdang")
    assert chat.current_item() == INSTRUMENT.items[0]
    return chat


def test_a_retried_rest_message_is_answered_once_and_gets_the_same_replies(sedia):
    first, second = INSTRUMENT.items[0], INSTRUMENT.items[1]
    chat = _at_the_first_question(sedia)
    replies = chat.say("4", message_id="client-msg-1")
    assert not chat.duplicate and chat.current_item() == second
    calls = len(sedia.action_calls.calls(chat.sender))
    again = chat.say("4", message_id="client-msg-1")  # the client did not hear back: it retries
    assert chat.duplicate and [r.text for r in again] == [r.text for r in replies]
    assert len(sedia.action_calls.calls(chat.sender)) == calls  # the retry ran nothing
    assert [(r["item"], r["value"]) for r in sedia.db.answers(chat.sender)] == [(first.id, 4)]
    # A new message with a new id is a new answer, to the question now asked.
    chat.say("2", message_id="client-msg-2")
    assert sorted((r["item"], r["value"]) for r in sedia.db.answers(chat.sender)) == sorted(
        [(first.id, 4), (second.id, 2)]
    )


def test_an_old_scale_button_does_not_answer_the_current_question(sedia):
    first, second, third = INSTRUMENT.items[:3]
    chat = _at_the_first_question(sedia)
    old_buttons = list(chat.last)
    chat.press("Agree")
    assert chat.current_item() == second
    chat.last = old_buttons  # press "Strongly agree" under the first question's message
    chat.press("Strongly agree")
    assert "already answered" in chat.joined() and chat.current_item() == second
    assert [(r["item"], r["value"]) for r in sedia.db.answers(chat.sender)] == [(first.id, 4)]
    # A button of a question still unanswered answers that question, and only it.
    chat.say(f'/answer_scale{{"scale_value": "2", "scale_item": "{third.id}"}}')
    assert "I recorded that as your answer" in chat.joined() and chat.current_item() == second
    chat.say("5")
    assert chat.current_item() == INSTRUMENT.items[3]
    assert sorted((r["item"], r["value"]) for r in sedia.db.answers(chat.sender)) == sorted(
        [(first.id, 4), (second.id, 5), (third.id, 2)]
    )


def test_the_widget_drops_a_resent_message_and_refuses_a_huge_one_before_the_nlu(sedia):
    import asyncio

    from tests.e2e.widget_socket import WidgetSocket

    origin = f"http://127.0.0.1:{sedia.stack.web_port}"

    async def scenario() -> None:
        widget = WidgetSocket(sedia.rasa_url, origin)
        session = await widget.open()
        replies = await widget.say("hello", message_id="w-1", wait_for=2)
        assert replies[-1]["custom"]["sedia_state"]["received"] == "w-1"
        calls = len(sedia.action_calls.calls(session))
        # Resent after a reconnect: confirmed again, and nothing else happens.
        await widget.close()
        widget = WidgetSocket(sedia.rasa_url, origin)
        assert await widget.open(session) == session
        resent = await widget.say("hello", message_id="w-1")
        assert [r.get("custom", {}).get("sedia_state", {}).get("received") for r in resent] == ["w-1"]
        assert all(not r.get("text") for r in resent)
        # 300 000 characters: the channel answers; the conversation never sees it.
        huge = await widget.say("word " * 60000, message_id="w-2", wait_for=2)
        assert "too long for me (300000 characters" in huge[0]["text"]
        assert huge[1]["custom"]["sedia_state"]["received"] == "w-2"
        await asyncio.sleep(1)
        assert len(sedia.action_calls.calls(session)) == calls
        await widget.close()

    asyncio.run(scenario())


def _stored_rows(sedia) -> tuple:
    return tuple(
        sedia.db.rows(f"SELECT count(*) AS n FROM {table}")[0]["n"]
        for table in ("respondents", "profiles", "assessments", "answers")
    )


def test_random_rest_calls_never_break_the_server_and_store_nothing(sedia):
    """Hypothesis writes the calls: bytes that are not JSON, JSON of every shape, and
    well-formed calls with odd senders, messages and ids (issue 16, abuse tests)."""
    import json
    import urllib.error
    import urllib.request

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    before = _stored_rows(sedia)
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
        max_leaves=8,
    )
    calls = st.fixed_dictionaries(
        {"sender": st.one_of(st.text(max_size=40), values), "message": st.one_of(st.text(max_size=300), values)},
        optional={"message_id": st.one_of(st.text(max_size=200), values), "metadata": values},
    )
    bodies = st.one_of(
        st.binary(max_size=300),
        values.map(lambda v: json.dumps(v).encode()),
        calls.map(lambda v: json.dumps(v).encode()),
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
    @given(bodies)
    def call(body: bytes) -> None:
        request = urllib.request.Request(
            f"{sedia.rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, answer = response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            status, answer = error.code, json.loads(error.read())
        assert status in (200, 400), (status, body[:200], answer)
        if status == 400:
            assert answer["error"]

    call()
    assert _stored_rows(sedia) == before


def test_random_widget_events_never_break_the_socket(sedia):
    import asyncio

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.e2e.widget_socket import WidgetSocket

    origin = f"http://127.0.0.1:{sedia.stack.web_port}"
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
        max_leaves=8,
    )
    events = st.one_of(
        values,
        st.fixed_dictionaries(
            {"message": st.one_of(st.text(max_size=200), values)},
            optional={"session_id": values, "message_id": values, "metadata": values},
        ),
    )
    sent = []

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
    @given(events)
    def collect(event) -> None:
        sent.append(event)

    collect()
    before = _stored_rows(sedia)

    async def scenario() -> None:
        widget = WidgetSocket(sedia.rasa_url, origin)
        await widget.open()
        for event in sent:
            await widget.client.emit("user_uttered", event)
            await widget.client.emit("session_request", event)
        # The same socket still works, and answers the conversation it holds now.
        await asyncio.sleep(2)  # the last session confirmations arrive
        replies = await widget.say("hello", message_id="after-the-fuzz", wait_for=2)
        assert any(r.get("text") for r in replies), replies
        await widget.close()

    asyncio.run(scenario())
    assert _stored_rows(sedia) == before


def test_the_rasa_health_check_touches_the_model_and_both_stores(sedia):
    import json
    import urllib.request

    with urllib.request.urlopen(f"{sedia.rasa_url}/webhooks/rest/", timeout=30) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {
            "status": "ok",
            "checks": {"model": {"ok": True}, "tracker_store": {"ok": True}, "database": {"ok": True}},
        }
