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
