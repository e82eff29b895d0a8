"""What the web chat trusts and what it refuses: signed cookies, CSRF tokens, signed transcripts, rate
limits and the framing policy (bot/webchat.py uses them; no I/O here)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SIGNATURE_BYTES = 16  # 128 bits of HMAC-SHA256: forging one is out of reach
MAX_TRANSCRIPT_BYTES = 48 * 1024  # a signed transcript larger than this is not ours


class Signer:
    """HMAC-SHA256 under a key derived from USER_KEY_SECRET for one purpose, so that a signature made
    for one use (a cookie) is worth nothing for another (a CSRF token, a transcript)."""

    def __init__(self, secret: bytes, purpose: str) -> None:
        self._key = hmac.new(secret, f"webchat\x1f{purpose}".encode(), hashlib.sha256).digest()

    def sign(self, *parts: str) -> str:
        digest = hmac.new(self._key, "\x1f".join(parts).encode(), hashlib.sha256).digest()
        return _b64(digest[:SIGNATURE_BYTES])

    def verify(self, signature: str, *parts: str) -> bool:
        return hmac.compare_digest(signature.encode(), self.sign(*parts).encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_id() -> str:
    """A web user's opaque id: random, tied to nothing (no account, no IP)."""
    return secrets.token_urlsafe(18)


class Guard:
    """The chat cookie (`id.signature`), the CSRF token tied to it, and the transcript a page carries."""

    def __init__(self, secret: bytes) -> None:
        self._cookie = Signer(secret, "cookie")
        self._csrf = Signer(secret, "csrf")
        self._transcript = Signer(secret, "transcript")
        self._desk = Signer(secret, "desk")

    def cookie(self, user_id: str) -> str:
        return f"{user_id}.{self._cookie.sign(user_id)}"

    def user_id(self, cookie: str | None) -> str | None:
        """The id of a cookie we signed, else None (forged, cut or absent)."""
        user_id, _, signature = (cookie or "").partition(".")
        if not user_id or len(user_id) > 64 or not self._cookie.verify(signature, user_id):
            return None
        return user_id

    def csrf(self, user_id: str) -> str:
        return self._csrf.sign(user_id)

    def csrf_ok(self, user_id: str | None, token: str) -> bool:
        return user_id is not None and self._csrf.verify(token, user_id)

    def seal(self, user_id: str, entries: list[Any]) -> str:
        """The transcript as a page carries it: compressed JSON, signed for this user only, so a page
        never shows words the bot did not say, nor another person's conversation."""
        payload = _b64(zlib.compress(json.dumps(entries, ensure_ascii=False).encode(), 6))
        return f"{payload}.{self._transcript.sign(user_id, payload)}"

    def unseal(self, user_id: str, sealed: str) -> list[Any]:
        """The entries, or [] for anything not sealed by `seal` for this user."""
        payload, _, signature = sealed.partition(".")
        if not payload or len(payload) > MAX_TRANSCRIPT_BYTES:
            return []
        if not self._transcript.verify(signature, user_id, payload):
            return []
        try:
            raw = zlib.decompressobj().decompress(_unb64(payload), MAX_TRANSCRIPT_BYTES * 8)
            entries = json.loads(raw)
        except (ValueError, zlib.error, binascii.Error):
            return []
        return entries if isinstance(entries, list) else []

    def desk(self, desk: Desk) -> str:
        """An operator's sign-in, valid until `desk.expires` (seconds since the epoch)."""
        payload = _b64(json.dumps([desk.id, desk.role, desk.name, desk.organisation, desk.expires]).encode())
        return f"{payload}.{self._desk.sign(payload)}"

    def read_desk(self, cookie: str | None, now: float) -> Desk | None:
        payload, _, signature = (cookie or "").partition(".")
        if not payload or len(payload) > 2048 or not self._desk.verify(signature, payload):
            return None
        try:
            op_id, role, name, organisation, expires = json.loads(_unb64(payload))
            desk = Desk(int(op_id), str(role), str(name), str(organisation), float(expires))
        except (ValueError, TypeError, binascii.Error):
            return None
        return desk if desk.expires > now else None


@dataclass(frozen=True, slots=True)
class Desk:
    """A signed-in operator, as their cookie says: the operators table's id, role and names."""

    id: int
    role: str
    name: str
    organisation: str
    expires: float


class RateLimiter:
    """Token buckets in memory, one per key, at most `max_keys` of them (the least recently used go
    first): `capacity` messages at once, then one every `every_seconds`. Per worker: N workers let
    N times as much through, which is the order of magnitude that matters."""

    def __init__(
        self,
        capacity: int,
        every_seconds: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity, self._every, self._max, self._clock = capacity, every_seconds, max_keys, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        now = self._clock()
        tokens, last = self._buckets.pop(key, (float(self._capacity), now))
        tokens = min(float(self._capacity), tokens + (now - last) / self._every)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return allowed

    def __len__(self) -> int:
        return len(self._buckets)


def framing_headers(frame_ancestors: str | None) -> dict[str, str]:
    """The page's Content-Security-Policy: nothing but its own styles, script and forms, and embedding
    only by `frame_ancestors` (None: by nobody, with X-Frame-Options for older browsers)."""
    policy = (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; "
        f"frame-ancestors {frame_ancestors or chr(39) + 'none' + chr(39)}"
    )
    headers = {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    if frame_ancestors is None:
        headers["X-Frame-Options"] = "DENY"
    return headers


class DenyFraming:
    """Every response of the service that does not say who may frame it (only /chat does) gets
    `X-Frame-Options: DENY` and `frame-ancestors 'none'`: /stats and the rest are never embedded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", b"frame-ancestors 'none'"))
                    headers.append((b"x-frame-options", b"DENY"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, guarded)
