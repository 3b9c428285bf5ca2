"""Two Rasa servers share the conversations: turns may reach either, at the same moment,
or the one still up after the other died; the action server may restart; Telegram is
polled by exactly one of them."""

from __future__ import annotations

import json
import os
import signal
import threading
import urllib.error
import urllib.request
from typing import List

import pytest

from bot.cli.launcher import Service
from tests.bot_api_standin import TelegramUser, wait_until
from tests.conftest import postgres_away, rows_locked, sessions_waiting_for_a_lock
from tests.e2e.interviews import INSTRUMENT, answer_all, assert_stored, assert_summary_matches, pressing
from tests.production.conftest import ASSESSMENT_ROW, PROFILE, TRACKER_ROW, HeldTurn, start_interview

press_scale = pressing("en")


def stored_items(production, chat) -> List[str]:
    return [row["item"] for row in production.db.answers(chat.sender, chat.channel)]


def test_an_interview_alternating_between_the_servers_completes_with_each_answer_stored_once(production):
    chat = production.alternating_chat()
    start_interview(chat)
    sent = answer_all(chat, press_scale)
    assert_summary_matches(chat, sent)
    assert_stored(production, chat, sent, PROFILE)
    assert set(chat.servers) == set(production.rasa_urls)
    items = stored_items(production, chat)
    assert len(items) == len(set(items)) == len(INSTRUMENT.items)


def test_two_messages_at_the_same_moment_on_two_servers_are_handled_one_after_the_other(production):
    first = production.chat(0)
    start_interview(first)
    second = production.chat(1, sender=first.sender)
    barrier = threading.Barrier(2)
    failures: List[BaseException] = []

    def send(chat, text: str) -> None:
        try:
            barrier.wait(timeout=30)
            chat.say(text)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [
        threading.Thread(target=send, args=(first, "agree")),
        threading.Thread(target=send, args=(second, "disagree")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not failures, failures
    # Without the lock store both servers would read the same tracker, both would answer
    # question 1, and one answer would be lost. With it, the second message answers question 2.
    rows = production.db.answers(first.sender)
    turns = production.db.rows(
        "SELECT id, type_name, intent_name, action_name, timestamp FROM events WHERE sender_id = :s ORDER BY id",
        s=first.sender,
    )
    assert [r["item"] for r in rows] == [INSTRUMENT.items[0].id, INSTRUMENT.items[1].id], (
        rows,
        turns[-30:],
        first.texts,
        second.texts,
    )
    assert sorted(r["value"] for r in rows) == [2, 4]
    turns = production.db.rows(
        "SELECT type_name, intent_name, action_name FROM events WHERE sender_id = :s ORDER BY id",
        s=first.sender,
    )
    users = [i for i, e in enumerate(turns) if e["type_name"] == "user"]
    listens = [i for i, e in enumerate(turns) if e["action_name"] == "action_listen"]
    # Every turn ends (action_listen) before the next message is read.
    last_two = users[-2:]
    assert any(last_two[0] < listen < last_two[1] for listen in listens), turns[-40:]
    third = production.chat(0, sender=first.sender)
    third.say("agree")
    assert stored_items(production, third) == [item.id for item in INSTRUMENT.items[:3]]


def forged_call(production, headers: dict) -> int:
    body = json.dumps(
        {
            "next_action": "action_forget_me",
            "sender_id": "someone-else",
            "version": "3.6.21",
            "tracker": {
                "sender_id": "someone-else",
                "slots": {},
                "latest_message": {"intent": {"name": "forget_me"}},
                "events": [],
                "active_loop": {},
                "latest_action_name": "action_listen",
            },
        }
    ).encode("utf-8")
    request = urllib.request.Request(
        f"{production.actions_url}/webhook", data=body, headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_forged_calls_and_calls_without_the_token_change_nothing(production):
    chat = production.chat(0)
    start_interview(chat)
    chat.say("agree")
    before = production.db.answers(chat.sender)
    assert len(before) == 1
    # The action server: no secret, a wrong secret, even for an action that erases data.
    assert forged_call(production, {}) == 401
    assert forged_call(production, {"X-Sedia-Action-Secret": "guess"}) == 401
    with urllib.request.urlopen(f"{production.actions_url}/health", timeout=10) as response:
        assert response.status == 200  # supervisors may still ask whether it is up
    # The REST channel: no token, a wrong one.
    for token in (None, "wrong-token"):
        intruder = production.chat(1, sender=chat.sender)
        intruder.token = token
        try:
            intruder.say("delete my data")
            raise AssertionError("the REST channel accepted a call without its token")
        except urllib.error.HTTPError as error:
            assert error.code == 401
            assert error.headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert production.db.answers(chat.sender) == before
    chat.say("agree")
    assert len(production.db.answers(chat.sender)) == 2


def test_the_action_server_restarts_in_the_middle_of_an_interview_and_nothing_is_lost(production):
    chat = production.alternating_chat()
    start_interview(chat)
    for _item in INSTRUMENT.items[:3]:
        chat.say("agree")
    actions: Service = production.stack.service("action server")
    actions.stop()
    actions.start(production.env)
    wait_until(actions.is_ready, 60, "the action server to answer again")
    assert chat.current_item() == INSTRUMENT.items[3]
    sent = {item.id: 4 for item in INSTRUMENT.items[:3]}
    sent.update(answer_all(chat, press_scale, first=3))
    assert_stored(production, chat, sent, PROFILE)


def test_the_action_server_is_down_for_a_while_and_the_answer_is_asked_again_not_lost(production):
    chat = production.chat(0)
    start_interview(chat)
    chat.say("agree")
    second = INSTRUMENT.items[1]
    assert chat.current_item() == second
    actions: Service = production.stack.service("action server")
    actions.stop()
    try:
        chat.say("3")
        assert "Please try again in a moment" in chat.joined(), chat.texts
        assert chat.current_item() == second  # the same question, asked again
        assert stored_items(production, chat) == [INSTRUMENT.items[0].id]
    finally:
        actions.start(production.env)
        wait_until(actions.is_ready, 60, "the action server to answer again")
    chat.say("3")
    assert chat.current_item() == INSTRUMENT.items[2], chat.texts
    rows = production.db.answers(chat.sender, chat.channel)
    assert [(r["item"], r["value"]) for r in rows] == [(INSTRUMENT.items[0].id, 4), (second.id, 3)]


@pytest.mark.parametrize("held", ["the tracker store", "the action server"])
def test_one_conversation_waiting_on_a_slow_query_holds_up_no_other(production, held):
    # Bug 7: a query that waits in one conversation must not stop the Rasa server's or the
    # action server's event loop, so another conversation on the same servers goes on.
    waiting, other = production.chat(0), production.chat(0)
    start_interview(waiting)
    start_interview(other)
    url = production.database_url
    if held == "the tracker store":
        lock = rows_locked(url, TRACKER_ROW, sender=waiting.sender)
    else:
        lock = rows_locked(url, ASSESSMENT_ROW, respondent=production.db.respondent(waiting.sender))
    with lock as locked:
        assert locked == 1
        turn = HeldTurn(waiting, "agree")
        wait_until(lambda: sessions_waiting_for_a_lock(url) >= 1, 60, f"{held} to wait for the held row")
        for _ in range(3):
            other.say("agree")
        with urllib.request.urlopen(f"{production.actions_url}/health", timeout=10) as response:
            assert response.status == 200
        # Still waiting: the other conversation went on beside it, not after it.
        assert turn.thread.is_alive() and sessions_waiting_for_a_lock(url) >= 1
    turn.finish()
    assert stored_items(production, other) == [item.id for item in INSTRUMENT.items[:3]]
    assert stored_items(production, waiting) == [INSTRUMENT.items[0].id]
    assert waiting.current_item() == INSTRUMENT.items[1], waiting.texts


def test_the_database_goes_away_for_a_while_and_no_answer_is_lost_or_stored_twice(production):
    first, second, third = INSTRUMENT.items[:3]

    def statuses() -> List[str]:
        return sorted(production.telegram_status(i) for i in (0, 1))

    wait_until(lambda: statuses() == ["ready", "standby"], 90, "one server polling Telegram")
    chat = production.chat(0)
    start_interview(chat)
    chat.say("agree")
    telegram = production.telegram
    user = TelegramUser(telegram, 777000222)
    user.send("/help")
    wait_until(lambda: telegram.sent(user.chat_id), 60, "a reply on Telegram")
    replies = len(telegram.sent(user.chat_id))
    with postgres_away(production.database_url):
        status, said = chat.call("3", "fault-1")
        assert status == 503 and "try again in a moment" in said[0]["text"], (status, said)
        user.send("/help")
        # The poller keeps polling, backs off, and says it is in trouble.
        wait_until(lambda: "degraded" in statuses(), 90, "the status page to tell the truth")
        assert len(telegram.sent(user.chat_id)) == replies
    wait_until(lambda: len(telegram.sent(user.chat_id)) > replies, 120, "the update handled once the database is back")
    wait_until(lambda: statuses() == ["ready", "standby"], 60, "the status page to recover")
    # The message that failed is handled when the client sends it again, once.
    chat.say("3", message_id="fault-1")
    assert not chat.duplicate and chat.current_item() == third, chat.texts
    chat.say("3", message_id="fault-1")
    assert chat.duplicate and chat.current_item() == third
    rows = production.db.answers(chat.sender, chat.channel)
    assert sorted((r["item"], r["value"]) for r in rows) == sorted([(first.id, 4), (second.id, 3)])


def test_telegram_is_polled_by_one_server_and_the_other_takes_over_when_it_dies(production):
    # Runs last: it kills a Rasa server. Telegram polling runs in exactly one of them.
    wait_until(
        lambda: sorted(production.telegram_status(i) for i in (0, 1)) == ["ready", "standby"],
        90,
        "one server polling and one standing by",
    )
    telegram = production.telegram
    user = TelegramUser(telegram, 777000111)
    user.send("/start")
    wait_until(lambda: telegram.sent(user.chat_id), 60, "a reply on Telegram")
    assert telegram.most_pollers == 1

    # An interview in the middle, on the server that polls; then that server dies.
    poller = next(i for i in (0, 1) if production.telegram_status(i) == "ready")
    survivor = 1 - poller
    chat = production.chat(poller)
    start_interview(chat)
    chat.say("agree")
    chat.say("disagree")
    service = production.stack.services[
        [s.name for s in production.stack.services].index("Rasa server" if poller == 0 else "Rasa server 2")
    ]
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait(timeout=30)

    # The other server continues the interview from the shared tracker store...
    chat.base_url = production.rasa_urls[survivor]
    chat.say("neutral")
    assert stored_items(production, chat) == [item.id for item in INSTRUMENT.items[:3]]
    assert chat.current_item() == INSTRUMENT.items[3]
    sent = {item.id: value for item, value in zip(INSTRUMENT.items[:3], (4, 2, 3))}
    sent.update(answer_all(chat, press_scale, first=3))
    assert_summary_matches(chat, sent)
    assert_stored(production, chat, sent, PROFILE)

    # ...and takes over Telegram once the dead holder's lease expires.
    wait_until(lambda: production.telegram_status(survivor) == "ready", 90, "the survivor to poll Telegram")
    replies = len(telegram.sent(user.chat_id))
    user.send("help")
    wait_until(lambda: len(telegram.sent(user.chat_id)) > replies, 60, "a reply from the survivor")
    assert telegram.most_pollers == 1
