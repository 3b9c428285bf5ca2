"""Sedia on Telegram: the real stack (Rasa with the trained model, the action server, the
database) long-polling a local stand-in for the Bot API."""

from __future__ import annotations

import itertools
from typing import Iterator

import pytest

from bot.cli.launcher import Service
from bot.core.messages import message
from tests.bot_api_standin import wait_until
from tests.conftest import run_bot
from tests.e2e.conftest import Running, running_sedia
from tests.e2e.interviews import INSTRUMENT, TYPED, answer_all, assert_stored, scale_label
from tests.e2e.telegram_chat import CHANNEL_KEY, TOKEN, TelegramChat, processed, telegram_environment

_user_ids = itertools.count(700000001)

PROFILE = {
    "institution": "Universiti Putra Malaysia",
    "faculty": "Faculty of Educational Studies",
    "role": "programme_coordinator",
    "zone": "central",
}


@pytest.fixture(scope="module")
def api(telegram_api):
    return telegram_api


@pytest.fixture(scope="module")
def sedia_tg(api, tmp_path_factory) -> Iterator[Running]:
    with running_sedia(tmp_path_factory.mktemp("telegram"), telegram_environment(api), with_web=False) as running:
        wait_until(lambda: api.calls_of("getUpdates"), 60, "the channel to start polling")
        yield running


def new_chat(api, sedia_tg, **kwargs) -> TelegramChat:
    return TelegramChat(api, sedia_tg.db, next(_user_ids), **kwargs)


def start_with_consent(chat: TelegramChat) -> None:
    chat.say("/start")
    chat.press("Start the readiness assessment")
    assert "May I store your answers?" in chat.joined()
    chat.press("Yes, I agree")
    chat.say("Universiti Putra Malaysia")
    chat.say("Faculty of Educational Studies")
    chat.press("Programme coordinator")  # the zone comes with the university


def test_start_greets_registers_commands_and_polls_without_a_webhook(api, sedia_tg):
    chat = new_chat(api, sedia_tg)
    chat.say("/start")
    assert "I'm Sedia" in chat.joined()
    titles = [b["title"] for r in chat.last for b in r.buttons]
    assert "Bahasa Melayu" in titles and "Start the readiness assessment" in titles
    # Polling needs no webhook: it was deleted, never set.
    assert api.calls_of("deleteWebhook") and not api.calls_of("setWebhook")
    menu = ["start", "help", "continue", "language", "restart", "forget", "code"]
    assert [c["command"] for c in api.commands[None]] == menu
    assert [c["command"] for c in api.commands["ms"]] == menu
    assert api.commands["ms"][-1]["description"] == message("telegram.commands.code", "ms")
    # "typing…" shows while Rasa works.
    assert any(
        c.params["chat_id"] == chat.chat_id and c.params["action"] == "typing" for c in api.calls_of("sendChatAction")
    )


def test_an_invitation_code_signs_a_consenting_person_in(api, sedia_tg):
    # Issued as an administrator issues them, redeemed through the real Telegram channel.
    issued = run_bot("institutions", "invite", "Universiti Putra Malaysia", "--count", "1", env=sedia_tg.env)
    assert issued.returncode == 0, issued.stderr
    code = issued.stdout.strip()
    chat = new_chat(api, sedia_tg)
    chat.say(f"/start {code}")  # an invitation link, before consent: nothing may be stored
    assert f"/code {code}" in chat.joined() and "I'm Sedia" in chat.joined()
    start_with_consent(chat)
    chat.say(f"/code {code.lower()}")
    assert "signed in for Universiti Putra Malaysia" in chat.joined()
    chat.say(f"/code {code}")  # one use only
    assert "could not use that invitation code" in chat.joined()


def test_a_whole_interview_with_buttons_and_typed_answers(api, sedia_tg):
    chat = new_chat(api, sedia_tg)
    start_with_consent(chat)
    assert "Your profile: Universiti Putra Malaysia" in chat.joined()
    presses_before = len(api.calls_of("answerCallbackQuery"))

    def answer(chat, item, value):  # alternate buttons and typing
        if INSTRUMENT.items.index(item) % 2:
            chat.press(scale_label(value, "en"))
            # The keyboard comes off the question and the choice is echoed.
            assert chat.texts[0] == message("telegram.pressed", "en", title=scale_label(value, "en"))
        else:
            chat.say(TYPED["en"][value])

    sent = answer_all(chat, answer)
    summary = chat.summary()
    assert summary["index"] is not None and f"{summary['index']}/100" in summary["text"]
    assert_stored(sedia_tg, chat, sent, PROFILE)
    # Every press was answered, so no spinner was left; every pressed keyboard was removed.
    presses = sum(1 for i in INSTRUMENT.items if not i.is_open and INSTRUMENT.items.index(i) % 2)
    assert len(api.calls_of("answerCallbackQuery")) - presses_before == presses
    # Typed answers take the keyboard off too, so no old question can be answered by mistake.
    questions = [
        api.message(c.result["message_id"]) for c in api.sent(chat.chat_id) if c.params["text"].startswith("(")
    ]
    assert len(questions) == len(INSTRUMENT.items)
    assert [q["text"][:12] for q in questions if q.get("reply_markup")] == []

    # The action plan: in chat, split below Telegram's limit, and as a file.
    chat.say("show my plan")
    assert any(r.text.startswith("Your micro-credential action plan") for r in chat.last)
    assert all(len(c.params["text"]) <= 4096 for c in api.sent(chat.chat_id))
    [document] = [r.custom["document"] for r in chat.last if r.custom]
    assert document["filename"] == "sedia-action-plan.html"
    page = document["content"].decode("utf-8")
    assert "<h1>Your micro-credential action plan</h1>" in page
    # No raw Telegram id or username reaches the answers database or a log.
    for table in ("respondents", "assessments", "answers", "plans", "processed_updates"):
        dump = repr(sedia_tg.db.rows(f"SELECT * FROM {table}"))
        assert str(chat.user.user_id) not in dump and f"user{chat.user.user_id}" not in dump
    for log in sedia_tg.stack.log_dir.glob("*.log"):
        text = log.read_text(encoding="utf-8", errors="replace")
        assert str(chat.user.user_id) not in text and TOKEN.split(":")[1] not in text, log.name


def test_rate_limits_server_errors_and_dropped_connections_lose_nothing_and_double_nothing(api, sedia_tg):
    chat = new_chat(api, sedia_tg)
    api.fail_next("sendMessage", 429, chat_id=chat.chat_id, retry_after=1)
    chat.say("/start")
    greetings = [c for c in api.sent(chat.chat_id) if "I'm Sedia" in c.params["text"]]
    assert len(greetings) == 1
    statuses = [c.status for c in api.calls_of("sendMessage") if c.params.get("chat_id") == chat.chat_id]
    assert statuses == [429, 200]

    api.fail_next("sendMessage", 500, 502, "drop", 503, chat_id=chat.chat_id)
    chat.say("/help")
    helps = [c for c in api.sent(chat.chat_id) if "Here is what I can do" in c.params["text"]]
    assert len(helps) == 1
    statuses = [c.status for c in api.calls_of("sendMessage") if c.params.get("chat_id") == chat.chat_id]
    assert statuses == [429, 200, 500, 502, 0, 503, 200]

    # A failing answerCallbackQuery is retried too, and the press still counts.
    api.fail_next("answerCallbackQuery", 502)
    chat.say("/start")
    chat.press("Start the readiness assessment")
    assert "May I store your answers?" in chat.joined()
    query_id = api.updates[-1]["callback_query"]["id"]

    def answers_to_query():
        return [c.status for c in api.calls_of("answerCallbackQuery") if c.params.get("callback_query_id") == query_id]

    wait_until(lambda: answers_to_query() == [502, 200], 30, "the callback query to be answered after a retry")


def test_get_updates_failing_for_a_while_loses_nothing_and_doubles_nothing(api, sedia_tg):
    """Telegram's getUpdates answers 500, 429, a dropped connection and 502 in a row: the
    poller backs off and goes on (it used to end on an error it did not expect)."""
    chat = new_chat(api, sedia_tg)
    api.fail_next("getUpdates", 500, 429, "drop", 502, retry_after=1)
    chat.say("/help")  # taken by the poll already waiting; the polls after it fail
    chat.say("/help")  # comes through once polling recovers
    helps = [c for c in api.sent(chat.chat_id) if "Here is what I can do" in c.params["text"]]
    assert len(helps) == 2
    statuses = [c.status for c in api.calls_of("getUpdates")]
    assert [s for s in statuses if s != 200][-4:] == [500, 429, 0, 502]
    wait_until(lambda: _status(sedia_tg) == "ready", 30, "the status to say ready again")


def _status(sedia: Running) -> str:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{sedia.rasa_url}/webhooks/telegram/", timeout=10) as response:
            return json.loads(response.read())["status"]
    except urllib.error.HTTPError as error:  # 503 while degraded
        return json.loads(error.read())["status"]


def test_a_message_too_long_to_read_is_answered_by_the_channel_before_the_nlu(api, sedia_tg):
    chat = new_chat(api, sedia_tg)
    chat.say("/start")
    calls = len(sedia_tg.action_calls.calls())
    chat.say("word " * 800)  # 4,000 characters: Telegram carries it, Sedia reads 2,000
    assert "too long for me (3999 characters" in chat.joined()  # the last space is trimmed
    assert len(sedia_tg.action_calls.calls()) == calls  # no turn ran


def test_anything_that_is_not_text_gets_a_polite_answer_and_loses_nothing(api, sedia_tg):
    chat = new_chat(api, sedia_tg)
    start_with_consent(chat)
    chat.press(scale_label(4, "en"))  # the first statement
    question = chat.current_item()
    assert question == INSTRUMENT.items[1]
    file = {"file_id": "f1", "file_unique_id": "u1"}
    others = {
        "photo": [{**file, "width": 90, "height": 90}],
        "sticker": {**file, "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False},
        "voice": {**file, "duration": 3},
        "location": {"latitude": 3.0, "longitude": 101.7},
        "document": {**file, "file_name": "cv.pdf"},
    }
    for kind, content in others.items():
        chat.other(**{kind: content})
        assert chat.texts == [message("telegram.not_text", "en")], kind
    chat.edit("strongly agree")
    assert chat.texts == [message("telegram.edited", "en")]
    forward = {"type": "user", "date": 1700000000, "sender_user": {"id": 5, "is_bot": False, "first_name": "Ali"}}
    update_id = chat.user.api.add_update({"message": chat.user.message_body(text="agree", forward_origin=forward)})
    wait_until(lambda: processed(sedia_tg.db, update_id), 60, "the forwarded message")
    assert chat.outgoing()[-1].params["text"] == message("telegram.forwarded", "en")
    chat.say("/frobnicate")
    assert chat.texts == [message("telegram.unknown_command", "en")]
    # The pending question is still the same, and the stored answer is untouched.
    chat.say("agree")
    assert chat.current_item() == INSTRUMENT.items[2]
    stored = {r["item"]: r["value"] for r in sedia_tg.db.answers(chat.sender, "telegram")}
    assert stored == {INSTRUMENT.items[0].id: 4, INSTRUMENT.items[1].id: 4}


def test_in_a_group_sedia_answers_only_when_addressed_and_suggests_a_private_chat(api, sedia_tg):
    group = -100987654321
    member = TelegramChat(api, sedia_tg.db, next(_user_ids), chat_id=group, chat_type="supergroup")
    respondents_before = sedia_tg.db.rows("SELECT COUNT(*) AS n FROM respondents")[0]["n"]
    for text in ("morning all, meeting at 3", "/start@another_bot", "we have no recording studio"):
        member.say(text)
        assert member.last == [], text
    for text in ("@sedia_test_bot are we ready for micro-credentials?", "/start@sedia_test_bot", "/start"):
        member.say(text)
        [advice] = member.last
        assert "chat with me privately" in advice.text
        assert advice.buttons == [
            {"title": message("telegram.group_button", "en"), "payload": "https://t.me/sedia_test_bot"}
        ]
    # A reply to Sedia's own message addresses it too.
    advice_message = api.message(sorted(m for m in api.messages if api.messages[m]["chat"]["id"] == group)[-1])
    update_id = api.add_update(
        {"message": member.user.message_body(text="why not here?", reply_to_message=advice_message)}
    )
    wait_until(lambda: processed(sedia_tg.db, update_id), 60, "the reply in the group")
    assert "chat with me privately" in member.outgoing()[-1].params["text"]
    # Nothing from the group reached the conversation or the database.
    assert sedia_tg.db.rows("SELECT COUNT(*) AS n FROM respondents")[0]["n"] == respondents_before


def test_twenty_chats_at_once_each_get_their_own_replies_in_order(api, sedia_tg):
    chats = [new_chat(api, sedia_tg) for _ in range(20)]
    slow = chats[0]
    # Telegram keeps the first chat's replies waiting: that must hold up only that chat.
    release = api.hold("sendMessage", slow.chat_id)
    script = ["/start", "what is a micro-credential?", "thanks"]
    update_ids = {chat.chat_id: [] for chat in chats}
    for text in script:  # interleaved: every chat's first message, then every second...
        for chat in chats:
            update_ids[chat.chat_id].append(chat.user.send(text))
    others = [u for c in chats[1:] for u in update_ids[c.chat_id]]
    wait_until(lambda: all(processed(sedia_tg.db, u) for u in others), 120, "the other chats' 57 updates")
    assert not any(processed(sedia_tg.db, u) for u in update_ids[slow.chat_id])
    assert slow.outgoing() == []
    release.set()
    wait_until(lambda: all(processed(sedia_tg.db, u) for u in update_ids[slow.chat_id]), 120, "the slow chat")
    for chat in chats:
        texts = [c.params["text"] for c in chat.outgoing()]
        greeting = next(i for i, t in enumerate(texts) if "I'm Sedia" in t)
        welcome = next(i for i, t in enumerate(texts) if "You're welcome" in t)
        assert greeting == 0 and welcome == len(texts) - 1, texts
        assert any("micro-credential" in t.lower() for t in texts[greeting + 1 : welcome]), texts
        assert sum("I'm Sedia" in t for t in texts) == 1


def test_forget_erases_that_users_rows_after_confirmation(api, sedia_tg):
    chat = new_chat(api, sedia_tg)
    other = new_chat(api, sedia_tg)
    for person in (chat, other):
        start_with_consent(person)
        person.press(scale_label(2, "en"))
    rid = sedia_tg.db.respondent(chat.sender, "telegram")
    assert sedia_tg.db.rows("SELECT * FROM respondents WHERE id = :r", r=rid)
    chat.say("/forget")
    assert "Shall I delete it?" in chat.joined()
    chat.press("Yes, delete my data")
    assert "I deleted 1 answer, 1 assessment, 0 action plans and your profile" in chat.joined()
    for table, column in (("respondents", "id"), ("profiles", "respondent_id"), ("assessments", "respondent_id")):
        assert sedia_tg.db.rows(f"SELECT * FROM {table} WHERE {column} = :r", r=rid) == [], table
    assert len(sedia_tg.db.answers(other.sender, "telegram")) == 1  # nobody else's


def test_language_command_and_malay_users(api, sedia_tg):
    chat = new_chat(api, sedia_tg, language_code="ms")
    # A new user whose Telegram is in Malay is asked in Malay first.
    chat.say("/language")
    assert chat.texts == [message("telegram.choose_language", "ms")]
    chat.press("Bahasa Melayu")
    assert chat.texts[0] == message("telegram.pressed", "ms", title="Bahasa Melayu")
    chat.other(
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
    )
    assert chat.texts == [message("telegram.not_text", "ms")]
    chat.say("/help")
    assert "Ini yang saya boleh lakukan" in chat.joined()


def test_after_a_restart_no_update_is_handled_twice(api, sedia_tg):
    chat = new_chat(api, sedia_tg)
    chat.say("/start")
    chat.say("/help")
    before = len(chat.outgoing())
    rasa: Service = next(s for s in sedia_tg.stack.services if s.name == "Rasa server")
    rasa.stop()
    [cursor] = sedia_tg.db.rows("SELECT next_update_id FROM channel_cursors WHERE channel = :c", c=CHANNEL_KEY)
    assert cursor["next_update_id"] == max(u["update_id"] for u in api.updates) + 1
    # Telegram forgets the confirmations (as if they had been lost) and sends everything again.
    api.redeliver_everything()
    rasa.start(sedia_tg.env)
    wait_until(rasa.is_ready, 240, "Rasa to restart")
    chat.say("thanks")
    texts = [c.params["text"] for c in chat.outgoing()[before:]]
    assert len(texts) == 1 and "You're welcome" in texts[0], texts


def test_restart_mid_interview_keeps_stored_answers_and_continue_resumes(api, sedia_tg):
    chat = new_chat(api, sedia_tg)
    start_with_consent(chat)
    chat.press(scale_label(5, "en"))
    assert chat.current_item() == INSTRUMENT.items[1]
    chat.say("/restart")
    assert "I'm Sedia" in chat.joined()
    chat.say("/continue")
    assert chat.current_item() == INSTRUMENT.items[1]
    assert {r["item"]: r["value"] for r in sedia_tg.db.answers(chat.sender, "telegram")} == {INSTRUMENT.items[0].id: 5}
