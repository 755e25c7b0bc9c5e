"""Official Python helpers for the Acme Pay REST API.

This package deliberately has no third-party dependencies. It provides the
building blocks our own client libraries use: request signing, webhook
verification, cursor pagination and a typed error hierarchy.
"""

from .errors import (
    AcmePayError,
    AuthenticationError,
    InvalidRequestError,
    RateLimitError,
    ServerError,
    SignatureVerificationError,
    error_from_response,
    is_retryable,
)
from .pagination import CursorPage, iterate_pages
from .signing import RequestSigner, SignedHeaders
from .webhooks import WebhookEvent, construct_event, verify_signature

__version__ = "1.4.2.post1"

__all__ = [
    "AcmePayError",
    "AuthenticationError",
    "CursorPage",
    "InvalidRequestError",
    "RateLimitError",
    "RequestSigner",
    "ServerError",
    "SignatureVerificationError",
    "SignedHeaders",
    "WebhookEvent",
    "construct_event",
    "error_from_response",
    "is_retryable",
    "iterate_pages",
    "verify_signature",
]
