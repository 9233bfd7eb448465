"""Bulk imports pause the cyclic garbage collector, and always give it back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from jointdegree.bulk import collector_paused


@pytest.fixture(autouse=True)
def _collector_back_on() -> Iterator[None]:
    yield
    gc.enable()


def test_the_collector_is_paused_inside_and_back_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError("a bad file")
    assert gc.isenabled()


def test_overlapping_imports_in_two_threads_restore_it_once_both_are_done() -> None:
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_done.wait(5)
            seen.append(gc.isenabled())  # the other one finished: still paused for this one

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        assert not gc.isenabled()
    second_done.set()
    thread.join(5)
    assert seen == [False] and gc.isenabled()


def test_a_collector_someone_else_disabled_stays_disabled() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
