"""The Telegram router against the Bot API stand-in: replies collected from a Rasa turn
go out through TelegramOutput (Rasa's own dispatch), in order, with their buttons, their
documents and the typing indicator; the conversation hears a pseudonym, never the id."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from telegram import Bot

from bot.channels.telegram_router import ConversationState, TelegramRouter
from bot.channels.telegram_updates import Incoming, Kind
from tests.bot_api_standin import BotApiStandIn

CHAT = 5151
PLAN = {"kind": "action_plan", "markdown": "# Your plan\n\n- **Act** now", "language": "ms", "filename": "plan.html"}


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as standin:
        standin.chat_types[CHAT] = "private"
        yield standin


def collected_turn(sender: str) -> List[Dict[str, Any]]:
    """A Rasa turn's replies, as the channel collects them."""
    collector = CollectingOutputChannel()

    async def say() -> None:
        await collector.send_response(sender, {"text": "**Welcome** to Sedia."})
        await collector.send_response(
            sender,
            {"text": "Ready?", "buttons": [{"title": "Start", "payload": "/start_assessment"}]},
        )
        await collector.send_response(sender, {"text": "Your plan:", "custom": {"sedia_document": PLAN}})

    asyncio.run(say())
    return collector.messages


def run_turn(api: BotApiStandIn, incoming: Incoming, replies: List[Dict[str, Any]], in_form: bool = False) -> List[str]:
    heard: List[str] = []

    async def converse(sender: str, text: str) -> List[Dict[str, Any]]:
        heard.append(sender)
        heard.append(text)
        return replies

    async def state_of(sender: str, hint: Optional[str]) -> ConversationState:
        return ConversationState("en", in_form)

    async def turn() -> None:
        bot = Bot(api.token, base_url=api.base_url)
        async with bot:
            await TelegramRouter(bot, converse, state_of).handle(incoming)

    asyncio.run(turn())
    return heard


def test_collected_replies_go_out_in_order_with_buttons_and_the_plan_file(api):
    replies = collected_turn("someone")
    assert all("recipient_id" in reply for reply in replies)  # what Rasa's collector adds
    heard = run_turn(api, Incoming(Kind.CONVERSE, CHAT, 777, ("hello",)), replies)
    assert heard[1] == "hello" and heard[0].startswith("telegram-") and "777" not in heard[0]
    texts = [call.params["text"] for call in api.sent(CHAT)]
    assert texts == ["<b>Welcome</b> to Sedia.", "Ready?", "Your plan:"]
    keyboard = api.sent(CHAT)[1].params["reply_markup"]["inline_keyboard"]
    assert [[button["text"] for button in row] for row in keyboard] == [["Start"]]
    [document] = api.sent(CHAT, "sendDocument")
    assert document.file["filename"] == "plan.html" and "Pelan" in document.params["caption"]
    assert api.sent(CHAT, "sendChatAction")


def test_a_message_too_long_is_answered_by_the_channel_and_never_reaches_the_conversation(api):
    heard = run_turn(api, Incoming(Kind.CONVERSE, CHAT, 777, ("x" * 5000,)), collected_turn("someone"))
    assert heard == []
    [refusal] = [call.params["text"] for call in api.sent(CHAT)]
    assert "too long" in refusal


def test_an_invitation_code_signs_a_consenting_person_in_and_the_link_still_greets(api, sqlite_url):
    from bot.config.identity import pseudonymous_sender, respondent_id
    from bot.storage import repository, sign_ins
    from bot.storage.db import session_scope

    with session_scope() as session:
        [first] = sign_ins.issue_invitations(session, "Universiti Teknologi Malaysia", 1)
    # Before consent nothing is stored, the code included: the reply says how to send it later.
    heard = run_turn(api, Incoming(Kind.INVITATION, CHAT, 777, ("/greet",), command="start", invitation=first), [])
    assert heard[1] == "/greet"
    assert f"/code {first}" in api.sent(CHAT)[-1].params["text"]

    person = respondent_id("telegram", pseudonymous_sender("telegram", 777))
    with session_scope() as session:
        repository.record_consent(session, person, "telegram")
    heard = run_turn(api, Incoming(Kind.INVITATION, CHAT, 777, (), command="code", invitation=first), [])
    assert heard == []  # the channel answered itself
    assert "signed in for Universiti Teknologi Malaysia" in api.sent(CHAT)[-1].params["text"]
    with session_scope() as session:
        assert sign_ins.signed_in_for(session, person) == "Universiti Teknologi Malaysia"
    run_turn(api, Incoming(Kind.INVITATION, CHAT, 777, (), command="code", invitation=first), [])
    assert "could not use that invitation code" in api.sent(CHAT)[-1].params["text"]
    run_turn(api, Incoming(Kind.INVITATION, CHAT, 777, (), command="code", invitation=""), [])
    assert "/code ABCD-EFGH-JKMN" in api.sent(CHAT)[-1].params["text"]
