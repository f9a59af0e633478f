"""Pure normalisation functions, tested without Scrapy.

Spiders hand over raw values and the structured fields a board gives; the
pipelines call these functions. Nothing here does I/O or keeps state across
calls (relative dates are resolved against a ``now`` passed in).
"""
