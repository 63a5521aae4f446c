"""Malformed credentials are a 401, never a 500.

The host's authentication classes run on ai_commerce's endpoints, and some fail on input no client should send:
``Authorization: Basic`` whose user name holds a NUL byte is a ``ValueError``/``DataError`` from PostgreSQL inside
DRF's ``BasicAuthentication`` and Django's ``ModelBackend``. ``JSONErrors`` guards each authenticator of its views
(``guard``), which turns such an error into ``AuthenticationFailed``; and the scheme that failed answers with
its challenge (``WWW-Authenticate``), hence 401, even when the host's first class is ``SessionAuthentication``.

A database that is down (``OperationalError``, ``InterfaceError``) is not the client's fault: it passes through, and
``JSONErrors`` answers 503.
"""

import logging

from django.db import DataError
from rest_framework.exceptions import AuthenticationFailed

logger = logging.getLogger(__name__)

#: What a malformed header can raise inside an authenticator (a NUL byte, bad encoding, a value the database refuses).
MALFORMED = (ValueError, UnicodeError, DataError)
#: Where the request keeps the authenticator whose credentials failed.
FAILED = "_ai_commerce_failed_authenticator"
GUARDED = "_ai_commerce_guarded"


def guard(authenticator):
    """Guard ``authenticator`` (an instance) in place: its ``authenticate`` answers ``AuthenticationFailed`` where it
    would raise on malformed input, and the request remembers which scheme failed. Its class stays the same, so
    drf-spectacular still documents its scheme."""
    if getattr(authenticator, GUARDED, False):
        return authenticator
    inner = authenticator.authenticate

    def authenticate(request):
        try:
            return inner(request)
        except AuthenticationFailed:
            setattr(request, FAILED, authenticator)
            raise
        except MALFORMED as exc:
            logger.info("ai_commerce: malformed credentials refused by %s: %r", type(authenticator).__name__, exc)
            setattr(request, FAILED, authenticator)
            raise AuthenticationFailed("Malformed credentials: the Authorization header could not be read.") from exc

    authenticator.authenticate = authenticate
    setattr(authenticator, GUARDED, True)
    return authenticator


def guarded(authenticators):
    """``authenticators`` (instances), each guarded in place."""
    return [guard(authenticator) for authenticator in authenticators]


def failed_challenge(request):
    """The ``WWW-Authenticate`` challenge of the scheme whose credentials failed on ``request``, or None."""
    failed = getattr(request, FAILED, None)
    return failed.authenticate_header(request) if failed is not None else None
