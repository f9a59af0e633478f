"""Fetch every request from a local mirror when the ``MIRROR_URL`` setting is set.

With ``-s MIRROR_URL=http://127.0.0.1:8765`` a request for
``https://HOST/PATH?QUERY`` is downloaded from ``MIRROR_URL/HOST/PATH?QUERY``
instead, and the response is handed back under the *real* URL. Doing it at the
download-handler level (below every middleware) means robots.txt, the HTTP
cache, retries and the spiders all keep seeing real URLs, and items keep them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


def mirrored_url(url: str, mirror: str) -> str:
    """``https://Host/p?q`` -> ``MIRROR/host/p?q`` (host lower-cased, port kept)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror.rstrip('/')}/{parts.netloc.lower()}{path}{query}"


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """The stock HTTP/1.1 handler, redirected to ``MIRROR_URL`` when it is set."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.mirror = crawler.settings.get("MIRROR_URL") or ""

    async def download_request(self, request):
        if not self.mirror:
            return await super().download_request(request)
        local = request.replace(url=mirrored_url(request.url, self.mirror))
        response = await super().download_request(local)
        return response.replace(url=request.url)
