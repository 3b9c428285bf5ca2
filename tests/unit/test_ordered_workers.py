"""Jobs run in order within a key and side by side across keys."""

from __future__ import annotations

import asyncio

from bot.channels.ordered import OrderedWorkers


def test_a_keys_jobs_run_in_order_and_a_stuck_key_does_not_hold_up_others():
    async def scenario():
        workers = OrderedWorkers()
        log = []
        gate = asyncio.Event()

        def job(key, n, wait=None):
            async def run():
                if wait is not None:
                    await wait.wait()
                await asyncio.sleep(0)
                log.append((key, n))

            return run

        workers.submit("slow", job("slow", 1, gate))
        for n in range(1, 4):
            workers.submit("slow", job("slow", n + 1))
            workers.submit("a", job("a", n))
            workers.submit("b", job("b", n))
        # Everything but the stuck key finishes while it waits.
        for _ in range(50):
            await asyncio.sleep(0)
        assert [e for e in log if e[0] == "a"] == [("a", 1), ("a", 2), ("a", 3)]
        assert [e for e in log if e[0] == "b"] == [("b", 1), ("b", 2), ("b", 3)]
        assert not [e for e in log if e[0] == "slow"] and workers.busy_keys == 1
        gate.set()
        assert await workers.wait_idle(5)
        assert [e for e in log if e[0] == "slow"] == [("slow", n) for n in range(1, 5)]
        assert workers.busy_keys == 0

    asyncio.run(scenario())


def test_a_failing_job_does_not_stop_the_jobs_behind_it():
    async def scenario():
        workers = OrderedWorkers()
        done = []

        async def boom():
            raise RuntimeError("one bad update")

        async def fine():
            done.append("next")

        workers.submit("chat", boom)
        workers.submit("chat", fine)
        assert await workers.wait_idle(5)
        assert done == ["next"]

    asyncio.run(scenario())


def test_waiting_for_idle_can_time_out_and_cancel_stops_the_rest():
    async def scenario():
        workers = OrderedWorkers()
        never = asyncio.Event()

        async def stuck():
            await never.wait()

        workers.submit("chat", stuck)
        assert await workers.wait_idle(0.05) is False
        await workers.cancel()
        assert workers.busy_keys == 0

    asyncio.run(scenario())
