"""What lets replicas share work, against the real Redis: the lock store's tickets, the
Telegram polling lease, and conversations without consent held in Redis."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import List

import pytest
import redis
from rasa.core.lock_store import RedisLockStore
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.channels.telegram_lease import PollingLease
from bot.rasa_glue.endpoints import endpoints_for, redis_lock_store
from bot.rasa_glue.held_conversations import MemoryHeld, RedisHeld, held_conversations
from bot.rasa_glue.lock_store import AtomicRedisLockStore
from tests.small_domain import language_slot_domain

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture(autouse=True)
def empty_redis():
    redis.Redis.from_url(REDIS_URL).flushdb()
    yield
    redis.Redis.from_url(REDIS_URL).flushdb()


def lock_store() -> AtomicRedisLockStore:
    """A lock store as Rasa builds it from the endpoints file Sedia writes."""
    settings = dict(redis_lock_store(REDIS_URL))
    kind = settings.pop("type")
    assert kind == "bot.rasa_glue.lock_store.AtomicRedisLockStore"
    return AtomicRedisLockStore(endpoint_config=EndpointConfig(url=settings.pop("url"), **settings))


def take_tickets(make_store, conversation: str, per_thread: int = 40, threads: int = 6) -> List[int]:
    taken: List[int] = []
    guard = threading.Lock()
    start = threading.Barrier(threads)

    def work() -> None:
        store = make_store()  # one store per "server"
        start.wait()
        for _ in range(per_thread):
            number = store.issue_ticket(conversation, 60)
            with guard:
                taken.append(number)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return taken


def test_tickets_taken_at_the_same_moment_on_several_servers_are_all_different():
    taken = take_tickets(lock_store, f"c-{uuid.uuid4().hex}")
    assert len(taken) == 240 and len(set(taken)) == 240


def test_rasa_s_own_redis_lock_store_hands_out_the_same_ticket_twice():
    # Why Sedia has its own: the same stress makes Rasa's store repeat tickets.
    def stock() -> RedisLockStore:
        return RedisLockStore(host="127.0.0.1", port=6379, db=13, key_prefix="stock")

    repeats = 0
    for _ in range(5):
        taken = take_tickets(stock, f"c-{uuid.uuid4().hex}")
        repeats += len(taken) - len(set(taken))
    assert repeats > 0


def test_two_servers_never_hold_a_conversation_s_lock_together():
    conversation = f"c-{uuid.uuid4().hex}"
    holding: List[str] = []
    overlaps: List[str] = []

    async def turn(store: AtomicRedisLockStore, name: str) -> None:
        async with store.lock(conversation, 60, wait_time_in_seconds=0.01):
            if holding:
                overlaps.append(name)
            holding.append(name)
            await asyncio.sleep(0.02)
            holding.remove(name)

    async def main() -> None:
        stores = [lock_store(), lock_store()]
        await asyncio.gather(*(turn(stores[i % 2], f"turn {i}") for i in range(20)))

    asyncio.run(main())
    assert overlaps == []
    assert redis.Redis.from_url(REDIS_URL).keys("sedia:lock:*") == []  # cleaned up after


def test_the_endpoints_of_a_replica_name_the_lock_store_and_their_action_server():
    endpoints = endpoints_for("http://127.0.0.1:6000/webhook", "redis://:s3cret@redis.internal:6380/2")
    assert endpoints["action_endpoint"] == {"url": "http://127.0.0.1:6000/webhook", "enable_selective_domain": True}
    assert endpoints["lock_store"] == {
        "type": "bot.rasa_glue.lock_store.AtomicRedisLockStore",
        "url": "redis.internal",
        "port": 6380,
        "db": 2,
        "key_prefix": "sedia",
        "password": "s3cret",
    }
    assert "lock_store" not in endpoints_for()  # one server: Rasa's in-memory lock store
    with pytest.raises(ValueError, match="SEDIA_REDIS_URL"):
        redis_lock_store("localhost:6379")


def test_one_polling_lease_holder_at_a_time_and_failover_when_it_dies():
    async def main() -> None:
        key = f"bot-{uuid.uuid4().hex}"
        first, second = PollingLease(REDIS_URL, key, seconds=1.0), PollingLease(REDIS_URL, key, seconds=1.0)
        assert await first.try_acquire()
        assert not await second.try_acquire()
        assert await first.renew()
        # The holder stops cleanly: the lease is free at once.
        await first.release()
        assert await second.try_acquire()
        assert not await first.renew()
        # The holder dies (no release): the lease expires and the other takes over.
        await asyncio.sleep(1.2)
        assert await first.try_acquire()
        assert not await second.renew()
        await first.close()
        await second.close()

    asyncio.run(main())


def test_a_lease_holder_that_cannot_renew_says_so():
    async def main() -> None:
        key = f"bot-{uuid.uuid4().hex}"
        holder = PollingLease(REDIS_URL, key, seconds=30, renew_every=0.05)
        assert await holder.try_acquire()
        await holder.client.delete(holder.key)  # as if it expired while Redis was away
        other = PollingLease(REDIS_URL, key)
        assert await other.try_acquire()
        lost, stopping = asyncio.Event(), asyncio.Event()
        await asyncio.wait_for(holder.hold(lost, stopping), 5)
        assert lost.is_set()
        await holder.close()
        await other.close()

    asyncio.run(main())


DOMAIN = language_slot_domain()


def conversation(sender: str, *texts: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for text in texts:
        tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(SlotSet("language", "ms"))
    return tracker


def test_conversations_without_consent_are_shared_through_redis_and_expire():
    first, second = RedisHeld(REDIS_URL, ttl_seconds=100), RedisHeld(REDIS_URL)
    sender = f"s-{uuid.uuid4().hex}"
    first.put(conversation(sender, "hello"))
    seen = second.get(sender, DOMAIN)
    assert [e.text for e in seen.events if isinstance(e, UserUttered)] == ["hello"]
    assert seen.get_slot("language") == "ms"
    # The other replica adds a turn; the first sees it, not its own stale copy.
    seen.update(UserUttered("apa khabar", {"name": "greet", "confidence": 1.0}))
    second.put(seen)
    again = first.get(sender, DOMAIN)
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["hello", "apa khabar"]
    assert 0 < first.client.ttl(RedisHeld.key(sender)) <= 24 * 3600  # gone a day after the last message
    assert sender in first.senders()
    first.drop(sender)
    assert second.get(sender, DOMAIN) is None and first.get(sender, DOMAIN) is None


def test_one_server_keeps_them_in_its_memory():
    assert isinstance(held_conversations(None), MemoryHeld)
    assert isinstance(held_conversations(REDIS_URL), RedisHeld)
