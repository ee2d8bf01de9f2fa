"""Gzip for the portal's pages, not for the API.

Advisors on slow mobile links get pages a fraction of their size (bench/page_weight.py). The
partner API answers other servers on good links, where compressing every JSON answer would only
cost CPU against its throughput budget; its clients may still compress in a proxy if they wish.
Django's middleware pads each compressed response with random bytes against BREACH, and CSRF
tokens are masked per response.
"""

from django.middleware.gzip import GZipMiddleware

UNCOMPRESSED_PREFIXES = ("/api/",)


class PageGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if request.path.startswith(UNCOMPRESSED_PREFIXES):
            return response
        return super().process_response(request, response)
