"""The seam through which the conversation registers the sender of a one-time invitation code
(bot/operators.py implements it): values only, so that handlers.deps can name it without a circle."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Redeemed(StrEnum):
    REGISTERED = "registered"
    UNKNOWN = "unknown"  # wrong, used or expired: one answer for the three, so a guess learns nothing
    LIMITED = "limited"  # too many wrong codes lately
    NOT_HERE = "not_here"  # a channel whose sender is no account (SMS, the public web chat)


@dataclass(frozen=True, slots=True)
class Redemption:
    outcome: Redeemed
    organisation: str | None = None
    role: str | None = None  # handlers.Role's value: operator | volunteer


class Redeem(Protocol):
    async def __call__(self, code: str, channel: str, user_key: str) -> Redemption: ...
