"""Sending a place to a person by SMS (issue 13): the sealed confirmation, the hourly allowance, the
audit row and the call to Twilio's REST API (handlers.Deps.outbox and .sealer).

The recipient's number is never written in clear: while the operator confirms, the conversation holds
it encrypted (Fernet, AES-128-CBC + HMAC, with a key derived from USER_KEY_SECRET, expiring); the
audit keeps an HMAC of it under another derived key, so it cannot be matched with the user keys of
people who write to the bot.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.gsm import for_sms, segments
from bot.surfaces import SmsSurface
from bot.twilio_rest import TwilioError, TwilioMessages
from db.sql import SEND_FAILED, Runner, SendRecord, begin_send, finish_send, sends_since
from handlers import Outgoing, SendResult, Sent

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 600  # a send not confirmed within 10 minutes is forgotten
_SEALING = b"solibot: a send awaiting confirmation"
_RECIPIENT = b"solibot: the recipient of a send, in the audit"


def derived_key(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def recipient_hash(secret: bytes, e164: str) -> str:
    return hmac.new(derived_key(secret, _RECIPIENT), e164.encode(), hashlib.sha256).hexdigest()


class FernetSealer:
    def __init__(self, secret: bytes, ttl_seconds: int = CONFIRM_SECONDS) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(derived_key(secret, _SEALING)))
        self._ttl = ttl_seconds

    def seal(self, payload: str) -> str:
        return self._fernet.encrypt(payload.encode()).decode("ascii")

    def unseal(self, token: str) -> str | None:
        try:
            return self._fernet.decrypt(token.encode("ascii"), ttl=self._ttl).decode()
        except (InvalidToken, UnicodeError, ValueError):
            return None


class SqlOutbox:
    """Twilio's REST API behind an hourly allowance per operator and an audit row per send, both in
    the database (`sms_send`, migration 0010), so that every worker counts the same sends."""

    def __init__(
        self,
        engine: AsyncEngine,
        messages: TwilioMessages,
        secret: bytes,
        *,
        per_hour: int,
        max_segments: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._runner = Runner(engine)
        self._messages = messages
        self._secret = secret
        self._per_hour = per_hour
        self._surface = SmsSurface(max_segments)
        self._clock = clock

    def fits(self, text: str, lang: str) -> bool:
        return self._surface.fits(text, lang)

    @property
    def per_hour(self) -> int:
        return self._per_hour

    async def remaining(self, operator: int) -> int:
        since = self._clock() - timedelta(hours=1)
        return self._per_hour - await self._runner.read(sends_since, operator, since)

    async def send(self, sms: Outgoing) -> SendResult:
        if await self.remaining(sms.operator) <= 0:
            return SendResult(Sent.LIMITED)
        body = for_sms(sms.body)
        parts = segments(body).count
        row = {
            "request_id": sms.request_id,
            "operator_id": sms.operator,
            "created_at": self._clock(),
            "source": sms.source,
            "lieu_id": sms.lieu_id,
            "service_id": sms.service_id,
            "lang": sms.lang,
            "recipient_hash": recipient_hash(self._secret, sms.to),
            "segments": parts,
        }
        before = await self._runner.write(begin_send, row)
        if before is not None:  # this confirmation was handled already (the turn was computed again)
            ok = before.status != SEND_FAILED
            return SendResult(Sent.SENT if ok else Sent.FAILED, parts, before.error or "")
        try:
            created = await self._messages.create(sms.to, body)
        except TwilioError as exc:
            await self._runner.write(finish_send, sms.request_id, SendRecord(SEND_FAILED, None, exc.reason))
            return SendResult(Sent.FAILED, parts, exc.reason)
        await self._runner.write(finish_send, sms.request_id, SendRecord(created.status, created.sid, None))
        log.info("sms sent operator=%d lieu=%d segments=%d", sms.operator, sms.lieu_id, parts)
        return SendResult(Sent.SENT, parts)
