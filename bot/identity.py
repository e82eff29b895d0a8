"""Who wrote: a keyed hash of the channel and the sender id, so no phone number or chat id is stored."""

from __future__ import annotations

import hashlib
import hmac


def user_key(secret: bytes, channel: str, sender: str) -> str:
    """HMAC-SHA256 of channel and sender id: stable per user, useless to whoever reads the database."""
    return hmac.new(secret, f"{channel}\x1f{sender}".encode(), hashlib.sha256).hexdigest()
