"""InProcessEventBus: scoping, increasing ids, bounded queues (slow subscribers dropped), close."""

from __future__ import annotations

import asyncio
import threading

import pytest

from backend.events import InProcessEventBus, Scope, StreamClosed, stream


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


def test_scoping_and_ids():
    async def main():
        bus = InProcessEventBus(queue_size=8)
        bus.start(asyncio.get_running_loop())
        gir, all_ = bus.subscribe(Scope(frozenset({1}))), bus.subscribe(Scope(None))
        bus.publish("appointment.updated", 3, {"n": 1})
        bus.publish("appointment.updated", 1, {"n": 2})
        a = await gir.get(1)
        assert a is not None and a.data == {"n": 2}
        b1, b2 = await all_.get(1), await all_.get(1)
        assert b1 is not None and b2 is not None and b1.id < b2.id
        assert await gir.get(0.05) is None  # nothing else for office 1

    _run(main())


def test_slow_subscriber_is_dropped_not_grown():
    async def main():
        bus = InProcessEventBus(queue_size=4)
        bus.start(asyncio.get_running_loop())
        slow, fast = bus.subscribe(Scope(None)), bus.subscribe(Scope(None))
        for i in range(10):
            bus.publish("e", None, {"i": i})
            assert (await fast.get(1)) is not None
        assert slow.dropped and bus.subscriber_count == 1
        assert slow.queue.qsize() <= 5
        for _ in range(4):
            await slow.get(1)
        with pytest.raises(StreamClosed):
            await slow.get(1)

    _run(main())


def test_publish_from_worker_thread_and_close_ends_streams():
    async def main():
        bus = InProcessEventBus()
        bus.start(asyncio.get_running_loop())
        sub = bus.subscribe(Scope(frozenset({2})))
        chunks = []

        async def consume():
            async for chunk in stream(sub, {"hello": True}, ping_interval_s=0.05):
                chunks.append(chunk)

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.01)
        t = threading.Thread(target=bus.publish, args=("appointment.updated", 2, {"x": "é\nnewline"}))
        t.start()
        t.join()
        await asyncio.sleep(0.12)
        bus.close()
        await asyncio.wait_for(task, 1)
        text = b"".join(chunks).decode()
        assert text.startswith('event: hello\ndata: {"hello":true}\n\n')
        assert 'id: 1\nevent: appointment.updated\ndata: {"x":"é\\nnewline"}\n\n' in text
        assert ": ping\n\n" in text
        assert bus.subscriber_count == 0

    _run(main())
