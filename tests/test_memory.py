"""MemoryTrim: one malloc_trim timer per process while any crawl runs."""

from __future__ import annotations

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from twisted.internet.task import Clock

from crawler.runtime import memory
from crawler.runtime.memory import MemoryTrim, _ProcessTimer


def test_crawlers_of_one_process_share_one_timer_that_stops_with_the_last():
    calls = []
    clock = Clock()
    timer = _ProcessTimer(lambda pad: calls.append(pad), clock)
    timer.start(1.0)
    timer.start(1.0)  # a second crawler of the same crawlall
    clock.advance(1.0)
    clock.advance(1.0)
    assert calls == [0, 0]
    timer.stop()
    clock.advance(1.0)
    assert calls == [0, 0, 0]  # one crawler still runs
    timer.stop()
    clock.advance(5.0)
    assert calls == [0, 0, 0] and timer.timer is None and timer.engines == 0


def test_the_extension_is_on_by_default_and_off_at_zero_seconds():
    assert isinstance(MemoryTrim.from_crawler(get_crawler()), MemoryTrim)
    with pytest.raises(NotConfigured):
        MemoryTrim.from_crawler(get_crawler(settings_dict={"MEMORY_TRIM_SECONDS": 0}))


def test_this_platform_has_malloc_trim_and_it_runs():
    # The crawl hosts are Linux with glibc; elsewhere the extension turns itself off.
    assert memory._TRIM is not None
    assert memory._TRIM(0) in (0, 1)
