"""What Sedia makes of each kind of Telegram update, without any I/O."""

from __future__ import annotations

import time

import pytest
from telegram import Update

from bot.channels.telegram_updates import Kind, command_of, read_update

BOT = "sedia_test_bot"
BOT_ID = 42
USER = {"id": 1001, "is_bot": False, "first_name": "Aminah", "language_code": "ms"}
PRIVATE = {"id": 1001, "type": "private", "first_name": "Aminah"}
GROUP = {"id": -100555, "type": "supergroup", "title": "Staff"}


def update(kind="message", chat=PRIVATE, **content):
    body = {"message_id": 7, "date": int(time.time()), "chat": chat, "from": USER, **content}
    return Update.de_json({"update_id": 1, kind: body}, None)


def read(u):
    return read_update(u, BOT, BOT_ID)


def test_text_goes_to_the_conversation_with_a_language_hint():
    incoming = read(update(text="kami tiada studio rakaman"))
    assert (incoming.kind, incoming.texts, incoming.chat_id, incoming.user_id) == (
        Kind.CONVERSE,
        ("kami tiada studio rakaman",),
        1001,
        1001,
    )
    assert incoming.language_hint == "ms" and incoming.order_key == "chat:1001"


@pytest.mark.parametrize(
    "text, texts",
    [
        ("/start", ("/greet",)),
        ("/start from-a-link", ("/greet",)),
        ("/help@sedia_test_bot", ("/help",)),
        ("/continue", ("/continue_assessment",)),
        ("/restart", ("/restart", "/greet")),
        ("/forget", ("/forget_me",)),
    ],
)
def test_commands_map_to_the_conversations_intents(text, texts):
    incoming = read(update(text=text))
    assert incoming.kind is Kind.CONVERSE and incoming.texts == texts


def test_the_language_command_and_unknown_commands_are_answered_by_the_channel():
    assert read(update(text="/language")).kind is Kind.CHOOSE_LANGUAGE
    assert read(update(text="/frobnicate")).kind is Kind.UNKNOWN_COMMAND
    # A Rasa payload typed by hand is not a command: it goes to the conversation as text.
    assert read(update(text='/switch_language{"language": "ms"}')).kind is Kind.CONVERSE


def test_command_parsing():
    assert command_of("/start", BOT) == ("start", True)
    assert command_of("/start@Sedia_Test_Bot now", BOT) == ("start", True)
    assert command_of("/start@other_bot", BOT) == ("start", False)
    assert command_of("/ 5", BOT) is None and command_of("5/5", BOT) is None and command_of("/", BOT) is None


@pytest.mark.parametrize(
    "content",
    [
        {"photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}], "caption": "our studio"},
        {
            "sticker": {
                "file_id": "f",
                "file_unique_id": "u",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"voice": {"file_id": "f", "file_unique_id": "u", "duration": 2}},
        {"location": {"latitude": 3.1, "longitude": 101.6}},
        {"contact": {"phone_number": "+60123", "first_name": "Ali"}},
    ],
)
def test_messages_without_text_get_a_polite_answer(content):
    assert read(update(**content)).kind is Kind.NOT_TEXT


def test_edits_and_forwards_get_their_own_answers():
    assert read(update("edited_message", text="agree", edit_date=int(time.time()))).kind is Kind.EDITED
    origin = {"type": "user", "date": 1, "sender_user": {"id": 5, "is_bot": False, "first_name": "Ali"}}
    assert read(update(text="agree", forward_origin=origin)).kind is Kind.FORWARDED


def test_in_groups_only_messages_addressed_to_sedia_count():
    assert read(update(chat=GROUP, text="meeting at 3")).kind is Kind.IGNORE
    assert read(update(chat=GROUP, text="/start@other_bot")).kind is Kind.IGNORE
    assert read(update(chat=GROUP, edit_date=1, text="hi")).kind is Kind.IGNORE
    assert read(update(chat=GROUP, text="@Sedia_Test_Bot are we ready?")).kind is Kind.GROUP
    assert read(update(chat=GROUP, text="/start")).kind is Kind.GROUP
    bot_message = {
        "message_id": 3,
        "date": 1,
        "chat": GROUP,
        "text": "hello",
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Sedia"},
    }
    assert read(update(chat=GROUP, text="why?", reply_to_message=bot_message)).kind is Kind.GROUP
    assert (
        read(
            update(
                chat=GROUP,
                photo=[{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}],
                reply_to_message=bot_message,
            )
        ).kind
        is Kind.GROUP
    )


def test_button_presses_channel_posts_and_bots():
    message = {
        "message_id": 9,
        "date": 1,
        "chat": PRIVATE,
        "text": "(1/33) ...",
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Sedia"},
    }
    press = Update.de_json(
        {
            "update_id": 2,
            "callback_query": {"id": "q1", "from": USER, "chat_instance": "c", "data": "/affirm", "message": message},
        },
        None,
    )
    incoming = read(press)
    assert incoming.kind is Kind.BUTTON and incoming.callback.data == "/affirm" and incoming.chat_id == 1001
    group_press = Update.de_json(
        {
            "update_id": 3,
            "callback_query": {
                "id": "q2",
                "from": USER,
                "chat_instance": "c",
                "data": "/affirm",
                "message": {**message, "chat": GROUP},
            },
        },
        None,
    )
    assert read(group_press).kind is Kind.IGNORE and read(group_press).callback is not None
    post = Update.de_json(
        {
            "update_id": 4,
            "channel_post": {
                "message_id": 1,
                "date": 1,
                "chat": {"id": -1001, "type": "channel", "title": "News"},
                "text": "hi",
            },
        },
        None,
    )
    assert read(post).kind is Kind.IGNORE
    other_bot = {**USER, "is_bot": True}
    bot_update = Update.de_json(
        {"update_id": 5, "message": {"message_id": 1, "date": 1, "chat": PRIVATE, "from": other_bot, "text": "spam"}},
        None,
    )
    assert read(bot_update).kind is Kind.IGNORE


def test_invitation_codes_come_from_an_invitation_link_or_the_code_command():
    linked = read(update(text="/start ABCD-EFGH-JKMN"))
    assert (linked.kind, linked.invitation, linked.texts) == (Kind.INVITATION, "ABCD-EFGH-JKMN", ("/greet",))
    typed = read(update(text="/code abcd efgh jkmn"))
    assert (typed.kind, typed.invitation, typed.texts) == (Kind.INVITATION, "abcd efgh jkmn", ())
    assert read(update(text="/code")).invitation == ""  # answered with how to send one
    assert read(update(text="/start from-a-link")).kind is Kind.CONVERSE  # not a code: a greeting
