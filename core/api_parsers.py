"""The API's request parser. Kept apart from the error handling: DRF imports its parsers while
it defines APIView, so this module must not import DRF's views."""

from __future__ import annotations

import orjson
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class LimitedJSONParser(JSONParser):
    """JSON, read through Django's ``request.body`` so that DATA_UPLOAD_MAX_MEMORY_SIZE applies
    (DRF reads the raw stream and would otherwise accept a body of any size), and decoded with
    orjson: on a batch forecast the standard library's decoder costs as much as the prediction.
    Like DRF's strict parser, it refuses NaN and Infinity."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        # Raises RequestDataTooBig past the limit; api_exception_handler turns it into 413.
        body = request._request.body if request is not None else stream.read()
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise ParseError(_("JSON parse error - %s") % error) from None
