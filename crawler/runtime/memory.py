"""``MemoryTrim`` (extension): hand the memory a crawl has freed back to the system.

A JSON board answers with bodies of up to several MB; the body, its text and its parsed
records are freed once the page's postings are out, but glibc's ``malloc`` keeps freed
chunks in its heap: it gives back only the top of the heap, and its mmap threshold rises
to the largest block freed so far, so later multi-MB bodies are carved from the heap too.
The free part of the heap grows as pages come and go (the bench's JSON crawl: from 30 to
60 MB over 10,000 postings while the memory in use stayed at 65-85 MB), and the crawl's
resident size grows with it. Every ``MEMORY_TRIM_SECONDS`` (default 1; 0 turns it off)
``malloc_trim(0)`` returns the free pages; it takes a few milliseconds.

One timer per process however many crawlers share it (``scrapy crawlall``). A no-op
where the C library has no ``malloc_trim`` (macOS, musl).
"""

from __future__ import annotations

import ctypes
import ctypes.util

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()


class _ProcessTimer:
    """The one trimming timer of this process, running while any crawler's engine runs."""

    def __init__(self, trim, clock=None):
        self.trim = trim
        self.clock = clock  # the reactor unless given (tests)
        self.timer: task.LoopingCall | None = None
        self.engines = 0

    def start(self, seconds: float) -> None:
        self.engines += 1
        if self.timer is None:
            self.timer = task.LoopingCall(self.trim, 0)
            if self.clock is not None:
                self.timer.clock = self.clock
            self.timer.start(seconds, now=False)

    def stop(self) -> None:
        self.engines -= 1
        if self.engines <= 0 and self.timer is not None:
            if self.timer.running:
                self.timer.stop()
            self.timer, self.engines = None, 0


_PROCESS_TIMER = _ProcessTimer(_TRIM)


class MemoryTrim:
    def __init__(self, seconds: float):
        self.seconds = seconds

    @classmethod
    def from_crawler(cls, crawler):
        seconds = crawler.settings.getfloat("MEMORY_TRIM_SECONDS", 1.0)
        if seconds <= 0:
            raise NotConfigured("MEMORY_TRIM_SECONDS is 0")
        if _TRIM is None:
            raise NotConfigured("no malloc_trim in this C library")
        ext = cls(seconds)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_started(self):
        _PROCESS_TIMER.start(self.seconds)

    def engine_stopped(self):
        _PROCESS_TIMER.stop()
