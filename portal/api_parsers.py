"""The API's request parser. Kept apart from the error handling: DRF imports its parsers while
it defines APIView, so this module must not import DRF's views."""

from __future__ import annotations

import io

from rest_framework.parsers import JSONParser


class LimitedJSONParser(JSONParser):
    """JSON, read through Django's ``request.body`` so that DATA_UPLOAD_MAX_MEMORY_SIZE applies
    (DRF reads the raw stream and would otherwise accept a body of any size)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        if request is not None:
            # Raises RequestDataTooBig past the limit; api_exception_handler turns it into 413.
            stream = io.BytesIO(request._request.body)
        return super().parse(stream, media_type, parser_context)
