"""Scrapy's robots.txt middleware, with every request waiting for the host's robots.txt.

Scrapy 2.13+ (``RobotsTxtMiddleware.robot_parser``, scrapy/scrapy#6802) awaits the host's
pending robots.txt Deferred once per waiting request. Awaiting a Deferred through
``maybe_deferred_to_future`` adds a callback that returns nothing, so the *first* waiter gets
the parser and every later one gets ``None``, which Scrapy reads as "no robots.txt: allowed".
A crawl whose first requests to a host go out together (several companies on one platform,
several URLs given to ``scrapy record``) then fetches URLs its robots.txt disallows. Measured
with Scrapy 2.19: three URLs to one host, one of them disallowed, all three were fetched
(``tests/test_record.py`` covers it). Here each waiter gets its own Deferred, fed by a
callback that passes the parser on, as Scrapy did before that change.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class WaitingRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred = Deferred()

        def hand_on(parser):
            mine.callback(parser)
            return parser  # keep the result for the next waiter

        pending.addCallback(hand_on)
        return await maybe_deferred_to_future(mine)
