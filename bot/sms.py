"""The Twilio SMS channel: verify the signature, decode the form into an Incoming, render replies as TwiML."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qsl, urlparse
from xml.sax.saxutils import escape

from starlette.datastructures import Headers, ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from twilio.request_validator import (
    HMAC_SHA1,
    HMAC_SHA256,
    RequestValidator,
    add_port,
    get_signature_algorithm,
    remove_port,
)

from bot.dedup import Claim, DedupStore, Seen, claim_or_wait, request_hash, settle
from bot.identity import user_key
from bot.metrics import REFUSED
from bot.sms_render import bodies, unavailable
from bot.surfaces import SMS, SmsSurface
from bot.webhook import TooLarge, read_capped
from handlers import Channel, Incoming, Turn, reply_language

if TYPE_CHECKING:  # the REST client (and requests) load only where a sender is configured (bot/app.py)
    from twilio.rest import Client

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a Twilio form is a few hundred bytes; far more is not Twilio
RETRY_WAIT_SECONDS = 12.0  # a retry waits this long for the reply of the same message being answered
TWIML = "application/xml"
Converse = Callable[[Incoming], Awaitable[Turn]]
Form = ImmutableMultiDict[str, str]  # getlist(): a repeated field is signed value by value


class BadRequest(ValueError):
    """A body that is not a url-encoded form: answered 400, since it cannot come from Twilio."""


class SmsSender(Protocol):
    async def send(self, to: str, body: str) -> None: ...


class TwilioRestSender:
    """The slow path: the Twilio client is blocking (requests), so each call runs in a thread."""

    def __init__(self, client: Client, from_number: str) -> None:
        self._client, self._from = client, from_number

    async def send(self, to: str, body: str) -> None:
        await asyncio.to_thread(self._client.messages.create, to=to, from_=self._from, body=body)


def parse_form(body: bytes, content_type: str | None) -> Form:
    if (content_type or "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise BadRequest("not a url-encoded form")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("malformed form") from exc
    return ImmutableMultiDict(pairs)


_SID = re.compile(r"(?:SM|MM)[0-9a-f]{32}")
_ACCOUNT = re.compile(r"AC[0-9a-f]{32}")
_SENDER = re.compile(r"(?:whatsapp:)?\+?[0-9]{3,15}")
_ONCE = ("MessageSid", "AccountSid", "From", "Body")


def check_fields(form: Form, account_sid: str | None) -> str:
    """What a Twilio message webhook always carries, each once and well formed; returns the
    MessageSid. A signed request re-cut into other fields (which keeps its signature: Twilio signs the
    fields concatenated) breaks one of these, or is caught by its MessageSid (bot/dedup.py)."""
    for name in _ONCE:
        if len(form.getlist(name)) > 1:
            raise BadRequest(f"{name} repeated")
    sid = form.get("MessageSid") or ""
    if not _SID.fullmatch(sid):
        raise BadRequest("no valid MessageSid")
    account = form.get("AccountSid") or ""
    if not _ACCOUNT.fullmatch(account) or (account_sid and account != account_sid):
        raise BadRequest("not our AccountSid")
    if not _SENDER.fullmatch(form.get("From") or ""):
        raise BadRequest("no valid From")
    if "Body" not in form:
        raise BadRequest("no Body")
    return sid


def _first(value: str | None) -> str | None:
    return value.split(",")[0].strip() or None if value else None


def public_url(request: Request, public_base_url: str | None) -> str:
    """Twilio signs the URL it called, which behind a proxy is not the one we received: we rebuild it
    from PUBLIC_BASE_URL when set, else from X-Forwarded-Proto / X-Forwarded-Host."""
    tail = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if public_base_url:
        return public_base_url.rstrip("/") + tail
    headers = request.headers
    scheme = _first(headers.get("x-forwarded-proto")) or request.url.scheme
    host = _first(headers.get("x-forwarded-host")) or headers.get("host") or request.url.netloc
    return f"{scheme}://{host}{tail}"


_DIGESTS = {HMAC_SHA1: hashlib.sha1, HMAC_SHA256: hashlib.sha256}


@lru_cache(maxsize=16)
def _signed_urls(url: str) -> tuple[str, str]:
    """The two URLs RequestValidator.validate accepts a signature of: with the port and without."""
    parsed = urlparse(url)
    return (add_port(parsed), remove_port(parsed)) if parsed.port else (remove_port(parsed), add_port(parsed))


def verify(validator: RequestValidator, url: str, form: Form, headers: Headers) -> bool:
    """What twilio's RequestValidator.validate answers, with one HMAC instead of two when the URL is
    signed as we rebuilt it (the first we try), and the URL's two forms parsed once per URL."""
    signature = headers.get("x-twilio-signature")
    if not signature:
        return False
    algorithm = get_signature_algorithm(headers.get("x-twilio-webhooks-signature-settings"))
    digest = _DIGESTS.get(algorithm.upper())
    if digest is None:  # refused, with the validator's warning
        return bool(validator.validate(url, form, signature, algorithm=algorithm))
    fields = "".join(name + value for name in sorted(set(form)) for value in sorted(set(form.getlist(name))))
    expected = signature.encode()
    for signed in _signed_urls(url):
        mac = hmac.new(validator.token, (signed + fields).encode(), digest)
        if hmac.compare_digest(base64.b64encode(mac.digest()), expected):
            return True
    return False


def decode(form: Mapping[str, str], secret: bytes, surface: SmsSurface = SMS) -> Incoming:
    """The sender becomes a keyed hash at once: the phone number never reaches the conversation."""
    sender = form.get("From") or ""
    key = user_key(secret, Channel.SMS.value, sender)
    return Incoming(Channel.SMS, key, text=form.get("Body") or "", surface=surface)


_TWIML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml(messages: Sequence[str]) -> str:
    """What twilio's MessagingResponse writes for these messages, character for character, without
    building an element tree for each reply (a tenth of a millisecond of every SMS)."""
    if not messages:
        return _TWIML_HEAD + "<Response />"
    parts = "".join(f"<Message>{escape(body)}</Message>" if body else "<Message />" for body in messages)
    return f"{_TWIML_HEAD}<Response>{parts}</Response>"


@dataclass(frozen=True, slots=True)
class SmsConfig:
    secret: bytes
    public_base_url: str | None
    max_segments: int
    rest_threshold_seconds: float
    account_sid: str | None = None  # when set, a webhook for another Twilio account is refused


class SmsChannel:
    """The webhook's whole path: read (capped) → verify → check the fields → de-duplicate → decode →
    converse → render as TwiML, and keep that TwiML for a retry of the same request.

    A reply slower than the threshold is answered with empty TwiML (Twilio gives up after 15 s and
    retries) and sent later through the REST API by a background task."""

    def __init__(
        self,
        config: SmsConfig,
        validator: RequestValidator | None,
        dedup: DedupStore,
        converse: Converse,
        sender: SmsSender | None = None,
    ) -> None:
        self._config, self._validator, self._dedup = config, validator, dedup
        self._converse, self._sender = converse, sender
        self._background: set[asyncio.Task[None]] = set()

    @staticmethod
    def _twiml(body: str, status: int = 200) -> Response:
        return Response(body, status_code=status, media_type=TWIML)

    async def handle(self, request: Request) -> Response:
        try:
            form = parse_form(await read_capped(request, MAX_BODY_BYTES), request.headers.get("content-type"))
        except (BadRequest, TooLarge) as exc:
            log.info("sms refused: %s", exc)
            REFUSED.labels("sms", "too_large" if isinstance(exc, TooLarge) else "malformed").inc()
            status = 413 if isinstance(exc, TooLarge) else 400
            return Response("bad request", status_code=status, media_type="text/plain")
        url = public_url(request, self._config.public_base_url)
        if self._validator is None or not verify(self._validator, url, form, request.headers):
            log.warning("sms refused: bad or missing signature")
            REFUSED.labels("sms", "signature").inc()
            return Response("forbidden", status_code=403, media_type="text/plain")
        try:
            sid = check_fields(form, self._config.account_sid)
        except BadRequest as exc:
            log.warning("sms refused: %s", exc)
            REFUSED.labels("sms", "fields").inc()
            return Response("bad request", status_code=400, media_type="text/plain")
        key = f"sms:{sid}"
        claim = await self._claim(key, request_hash(form.multi_items()))
        if claim.seen is Seen.REPLAY:
            log.info("sms retry: the kept reply again")
            return self._twiml(claim.reply or twiml(()))
        if claim.seen is not Seen.NEW:
            log.warning("sms %s under a known MessageSid: not answered", claim.seen.value)
            REFUSED.labels("sms", claim.seen.value).inc()
            return self._twiml(twiml(()))
        msg = decode(form, self._config.secret, SmsSurface(self._config.max_segments))
        task = asyncio.create_task(self._turn(msg))
        try:
            messages, ok = await asyncio.wait_for(asyncio.shield(task), self._config.rest_threshold_seconds)
        except TimeoutError:
            if self._sender is None:
                messages, ok = await task
            else:
                log.info("sms slow turn user=%s: answering through the REST API", msg.user_key[:12])
                self._later(task, form.get("From") or "", key)
                return self._twiml(twiml(()))
        body = twiml(messages)
        await self._settle(key, body if ok else None)
        return self._twiml(body)

    async def _claim(self, key: str, request: str) -> Claim:
        try:
            return await claim_or_wait(self._dedup, key, request, wait_seconds=RETRY_WAIT_SECONDS)
        except Exception:  # a broken de-duplication store must not silence the service
            log.warning("dedup store failed; answering anyway", exc_info=True)
            return Claim(Seen.NEW)

    async def _settle(self, key: str, reply: str | None) -> None:
        """Keep the reply for a retry, or release the key when the turn failed (the retry answers)."""
        try:
            await settle(self._dedup, key, reply)
        except Exception:
            log.warning("dedup store failed; a retry may be answered again", exc_info=True)

    async def _turn(self, msg: Incoming) -> tuple[tuple[str, ...], bool]:
        """(the SMS bodies, whether the turn was answered). Whatever breaks below (database, session
        store, the deadline), the person gets a short SMS naming 115 in their language, with status
        200 so that Twilio does not retry in a storm."""
        try:
            turn = await self._converse(msg)
            return bodies(turn.replies, self._config.max_segments), True
        except Exception:
            log.warning("sms turn failed user=%s", msg.user_key[:12], exc_info=True)
            return (unavailable(reply_language(msg.text), self._config.max_segments),), False

    def _later(self, task: asyncio.Task[tuple[tuple[str, ...], bool]], to: str, key: str) -> None:
        async def send() -> None:
            assert self._sender is not None
            messages, ok = await task
            await self._settle(key, twiml(()) if ok else None)
            for body in messages:
                try:
                    await self._sender.send(to, body)
                except Exception:
                    log.exception("sms REST send failed")
                    return

        job = asyncio.create_task(send())
        self._background.add(job)
        job.add_done_callback(self._background.discard)

    async def drain(self) -> None:
        """At shutdown, the replies already computed still go out."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
