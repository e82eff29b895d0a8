"""The Twilio SMS channel: verify the signature, decode the form into an Incoming, render replies as TwiML."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from twilio.request_validator import RequestValidator, get_signature_algorithm
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.dedup import DedupStore
from bot.identity import user_key
from bot.sms_render import bodies, unavailable
from bot.surfaces import SMS, SmsSurface
from handlers import Channel, Incoming, Turn

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a Twilio form is a few hundred bytes; far more is not Twilio
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
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest("body too large")
    if (content_type or "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise BadRequest("not a url-encoded form")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("malformed form") from exc
    return ImmutableMultiDict(pairs)


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


def verify(validator: RequestValidator, url: str, form: Form, headers: Headers) -> bool:
    signature = headers.get("x-twilio-signature")
    if not signature:
        return False
    algorithm = get_signature_algorithm(headers.get("x-twilio-webhooks-signature-settings"))
    return bool(validator.validate(url, form, signature, algorithm=algorithm))


def decode(form: Mapping[str, str], secret: bytes, surface: SmsSurface = SMS) -> Incoming:
    """The sender becomes a keyed hash at once: the phone number never reaches the conversation."""
    sender = form.get("From") or ""
    key = user_key(secret, Channel.SMS.value, sender)
    return Incoming(Channel.SMS, key, text=form.get("Body") or "", surface=surface)


def twiml(messages: Sequence[str]) -> str:
    response = MessagingResponse()
    for body in messages:
        response.message(body)
    return str(response)


@dataclass(frozen=True, slots=True)
class SmsConfig:
    secret: bytes
    public_base_url: str | None
    max_segments: int
    rest_threshold_seconds: float


class SmsChannel:
    """The webhook's whole path: verify → de-duplicate → decode → converse → render as TwiML.

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

    def _respond(self, messages: Sequence[str], status: int = 200) -> Response:
        return Response(twiml(messages), status_code=status, media_type=TWIML)

    async def handle(self, request: Request) -> Response:
        try:
            form = parse_form(await request.body(), request.headers.get("content-type"))
        except BadRequest as exc:
            log.info("sms refused: %s", exc)
            return Response("bad request", status_code=400, media_type="text/plain")
        url = public_url(request, self._config.public_base_url)
        if self._validator is None or not verify(self._validator, url, form, request.headers):
            log.warning("sms refused: bad or missing signature")
            return Response("forbidden", status_code=403, media_type="text/plain")
        sid = form.get("MessageSid") or form.get("SmsSid")
        if sid and not await self._first_time(f"sms:{sid}"):
            log.info("sms retry ignored")
            return self._respond(())
        msg = decode(form, self._config.secret, SmsSurface(self._config.max_segments))
        task = asyncio.create_task(self._turn(msg))
        try:
            messages = await asyncio.wait_for(asyncio.shield(task), self._config.rest_threshold_seconds)
        except TimeoutError:
            if self._sender is None:
                messages = await task
            else:
                log.info("sms slow turn user=%s: answering through the REST API", msg.user_key[:12])
                self._later(task, form.get("From") or "")
                return self._respond(())
        return self._respond(messages)

    async def _first_time(self, key: str) -> bool:
        try:
            return await self._dedup.claim(key)
        except Exception:  # a broken de-duplication store must not silence the service
            log.exception("dedup store failed; answering anyway")
            return True

    async def _turn(self, msg: Incoming) -> tuple[str, ...]:
        """Whatever breaks below (database, session store), the person gets a short SMS naming 115,
        with status 200 so that Twilio does not retry in a storm."""
        try:
            turn = await self._converse(msg)
            return bodies(turn.replies, self._config.max_segments)
        except Exception:
            log.exception("sms turn failed user=%s", msg.user_key[:12])
            return (unavailable("fr", self._config.max_segments),)

    def _later(self, task: asyncio.Task[tuple[str, ...]], to: str) -> None:
        async def send() -> None:
            assert self._sender is not None
            for body in await task:
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
