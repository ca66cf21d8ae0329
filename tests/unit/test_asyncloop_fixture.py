import asyncio

import pytest


def test_arun_returns_result(arun):
    async def work():
        await asyncio.sleep(0)
        return 42

    assert arun(work()) == 42


def test_background_task_error_is_reported(qloop):
    from tests.helpers.asyncloop import _LOOP_ERRORS

    async def boom():
        raise RuntimeError("lost in the background")

    qloop.run_until_complete(asyncio.sleep(0))
    task = qloop.create_task(boom())
    qloop.run_until_complete(asyncio.wait([task]))
    del task  # unretrieved exception is reported to the loop's handler when the task is collected
    import gc

    gc.collect()
    with pytest.raises(AssertionError, match="error in the event loop"):
        _LOOP_ERRORS.raise_collected()


def test_memory_keyring_round_trip():
    import keyring

    keyring.set_password("svc", "user", "secret")
    assert keyring.get_password("svc", "user") == "secret"
