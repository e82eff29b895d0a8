"""The user key: a keyed hash of channel and sender, never the number itself."""

from __future__ import annotations

import re

from bot.identity import user_key

PHONE = "+33612345678"


def test_user_key_is_an_hmac_that_hides_the_sender() -> None:
    key = user_key(b"secret", "sms", PHONE)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == user_key(b"secret", "sms", PHONE)
    assert key != user_key(b"other", "sms", PHONE)
    assert key != user_key(b"secret", "telegram", PHONE)
    assert "612345678" not in key
