"""Distributed mode: N crawl workers and one writer sharing work through Redis.

An addition to the one-process crawl, turned on by running its commands (see
``docs/distributed.md``)::

    scrapy enqueue            # one run: a work unit per listing, queued in Redis
    scrapy worker             # any number, on any machine: lease a unit, crawl it, report
    scrapy writer             # exactly one, next to the SQLite file: store what workers report
    scrapy queue              # the queue, the leases and the stream entries not yet stored

``units``     what a work unit is (a listing: a company board, a sitemap board, a site).
``queue``     the leased work queue with host affinity (Lua scripts, Redis' clock).
``stream``    the Redis Stream every worker reports into and the writer consumes.
``pipeline``  the worker's last item pipeline: reports instead of storing.
``writer``    applies reported units with the same ``Store`` as a one-process crawl.
``stats``     merges the units' Scrapy stats into one crawl's stats.
"""
