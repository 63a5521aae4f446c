"""The JSON parser of ai_commerce's endpoints: DRF's, with a bound on the body's size and on its nesting.

A body nested deeper than ``AI_COMMERCE["API_MAX_JSON_DEPTH"]`` levels answers 400 before it is decoded (unbounded,
2 KB of ``[`` is a RecursionError in ``json`` or in a serializer: a 500), and a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes answers 413 without being read further. ``JSONErrors`` (``ai_commerce.api``)
puts it in place of the host's JSON parser on every ai_commerce view.
"""

import re

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

from .conf import app_settings

#: A JSON string literal (escapes included): brackets inside one do not nest.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The body is too large."
    default_code = "too_large"


def too_large():
    return PayloadTooLarge(f"The body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes "
                           "(DATA_UPLOAD_MAX_MEMORY_SIZE); send less per request.")


def depth(text, limit):
    """How deep ``text``'s arrays and objects nest, counting no further than ``limit + 1``. Linear, no recursion."""
    level = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            level += 1
            deepest = max(deepest, level)
            if deepest > limit:
                break
        else:
            level -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    """DRF's ``JSONParser`` (strict: no NaN or Infinity), bounded in size and nesting depth."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise too_large()
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} text.") from exc
        most = app_settings.API_MAX_JSON_DEPTH
        if depth(text, most) > most:
            raise ParseError(f"JSON parse error - the body nests arrays and objects more than {most} levels deep "
                             "(AI_COMMERCE['API_MAX_JSON_DEPTH']).")
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc


def bounded(parsers):
    """``parsers`` (instances) with each JSON one replaced by a ``BoundedJSONParser``."""
    return [BoundedJSONParser() if parser.media_type == JSONParser.media_type
            and not isinstance(parser, BoundedJSONParser) else parser for parser in parsers]
