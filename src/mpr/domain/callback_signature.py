"""The signature of a Lambda's callback: `X-MPR-Signature: t=<unix seconds>,v1=<hex>`.

`v1` is HMAC-SHA256 with the shared callback secret over `"<t>." + raw body`; a call more
than TOLERANCE seconds away from the receiver's clock is refused (a replay window)."""

from __future__ import annotations

import hashlib
import hmac
import re

from mpr.domain.errors import Unauthenticated

HEADER = "X-MPR-Signature"
TOLERANCE = 300  # seconds
MAX_HEADER = 256
_HEADER = re.compile(r"t=(?P<t>[0-9]{1,12}),v1=(?P<v1>[0-9a-f]{64})")


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The header value signing body at the given unix time."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: bytes, header: str | None, body: bytes, now: float) -> int:
    """The signed time of a well-signed, fresh call; Unauthenticated otherwise."""
    if not header:
        raise Unauthenticated(f"callback not signed: send {HEADER}")
    match = _HEADER.fullmatch(header.strip()[:MAX_HEADER])
    if match is None:
        raise Unauthenticated(f"{HEADER} must look like t=<unix seconds>,v1=<64 hex digits>")
    timestamp = int(match["t"])
    if abs(now - timestamp) > TOLERANCE:
        raise Unauthenticated(f"callback signed at {timestamp}, more than {TOLERANCE} s from "
                              "the server's clock")
    expected = signature(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), f"t={timestamp},v1={match['v1']}".encode()):
        raise Unauthenticated("callback signature does not match")
    return timestamp
