"""The web chat at /chat: the same conversation as SMS and Telegram, as server-rendered HTML pages, for
the public (a kiosk, a partner site's iframe) and for operators at a desk behind their login.

A page is a form: it posts the message and gets the whole page back, so it works without JavaScript;
`chat.js` only sends the same form in the background and appends the new replies to the log, which a
screen reader then announces. The transcript travels in the page (signed), never in a store: the
server keeps the conversation's state as for any channel, not what people wrote.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from typing import Protocol
from urllib.parse import parse_qsl

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

import locales
from bot.dedup import Claim, DedupStore, Seen, claim_or_wait, request_hash, settle
from bot.identity import user_key
from bot.metrics import REFUSED
from bot.notices import SHARE_LOCATION, UNAVAILABLE
from bot.notices import say as notice
from bot.surfaces import WEB
from bot.webchat_guard import Desk, Guard, RateLimiter, framing_headers, new_id
from bot.webchat_page import (
    TEXT,
    Entry,
    accepted_language,
    entries_of,
    keep_replies,
    kept_replies,
    pieces,
    reply_entries,
    say,
)
from bot.webhook import TooLarge, read_capped
from handlers import (
    DEFAULT_LANG,
    Channel,
    Incoming,
    Reply,
    ReplyKind,
    Role,
    SessionStore,
    Turn,
    reply_language,
    t,
)

log = logging.getLogger(__name__)

Converse = Callable[[Incoming], Awaitable[Turn]]
COOKIE = "solibot_chat"
DESK_COOKIE = "solibot_desk"
MAX_BODY_BYTES = 64 * 1024  # the form: a message, the signed transcript, two tokens
MAX_MESSAGE_CHARS = 1600  # the longest SMS body Twilio takes; Telegram's limit is 4096
HISTORY_ENTRIES = 12  # what a page shows of the conversation: the last few exchanges
RETRY_WAIT_SECONDS = 12.0  # a form sent twice (a double click) waits for the first answer
DESK_SECONDS = 10 * 3600  # an operator's sign-in lasts a shift
COOKIE_SECONDS = 24 * 3600  # the session store's default time-to-live
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,32}")
ASSETS = {"chat.css": "text/css; charset=utf-8", "chat.js": "text/javascript; charset=utf-8"}


class OperatorView(Protocol):
    """What the chat needs of a registered operator (bot/operators.py's Operator)."""

    @property
    def id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def organisation(self) -> str: ...


class WebLogin(Protocol):
    """bot/operators.py's OperatorStore, as far as the sign-in goes."""

    async def check_web_login(self, login: str, password: str) -> OperatorView | None: ...
    async def active_role(self, operator_id: int) -> Role | None: ...


@dataclass(frozen=True, slots=True)
class WebConfig:
    secret: bytes
    frame_ancestors: str  # who may embed the public chat (CSP frame-ancestors sources)
    public_base_url: str | None = None


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who is at this page: the cookie's id (new: to be set), their user key, and a desk sign-in."""

    user_id: str
    key: str
    new: bool
    desk: Desk | None


class WebChat:
    """GET/POST /chat, the sign-in pages and the two static files (routes: `chat_routes()`)."""

    def __init__(
        self,
        config: WebConfig,
        converse: Converse,
        sessions: SessionStore,
        dedup: DedupStore,
        operators: WebLogin | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config, self._converse, self._sessions, self._dedup = config, converse, sessions, dedup
        self._operators, self._clock = operators, clock
        self._guard = Guard(config.secret)
        self._per_user = RateLimiter(capacity=10, every_seconds=3.0)  # 20 a minute once the burst is spent
        self._per_address = RateLimiter(capacity=60, every_seconds=0.5)  # a kiosk's or a NAT's many people
        self._logins = RateLimiter(capacity=5, every_seconds=60.0)
        self._templates = Environment(
            loader=PackageLoader("bot", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._assets = {name: (resources.files("bot") / "templates" / name).read_bytes() for name in ASSETS}

    # --- who is here -------------------------------------------------------------------------------
    def _visitor(self, request: Request, *, fresh: bool = False) -> Visitor:
        user_id = None if fresh else self._guard.user_id(request.cookies.get(COOKIE))
        desk = self._guard.read_desk(request.cookies.get(DESK_COOKIE), self._clock())
        new = user_id is None
        user_id = user_id or new_id()
        return Visitor(user_id, user_key(self._config.secret, Channel.WEB.value, user_id), new, desk)

    def _https(self, request: Request) -> bool:
        """Behind a TLS proxy the request arrives as http: PUBLIC_BASE_URL or X-Forwarded-Proto say."""
        if self._config.public_base_url:
            return self._config.public_base_url.startswith("https://")
        forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
        return (forwarded or request.url.scheme) == "https"

    def _set_cookie(self, response: Response, request: Request, visitor: Visitor) -> None:
        """Over HTTPS the cookie is SameSite=None, Secure and Partitioned (CHIPS): a partner site's
        iframe keeps its own conversation, and no other site sees it; over plain HTTP (local use),
        SameSite=Lax. The CSRF token guards every POST either way."""
        secure = self._https(request)
        response.set_cookie(
            COOKIE,
            self._guard.cookie(visitor.user_id),
            max_age=COOKIE_SECONDS,
            path="/chat",
            httponly=True,
            secure=secure,
            samesite="none" if secure else "lax",
        )
        if secure:  # Starlette writes the attribute only on Python 3.14+ (http.cookies)
            name, value = response.raw_headers[-1]
            response.raw_headers[-1] = (name, value + b"; Partitioned")

    def _address_key(self, request: Request) -> str:
        """The client address only as a rate-limit key in memory, never stored or logged."""
        return "ip:" + user_key(self._config.secret, "web-address", client_address(request))[:24]

    # --- pages -------------------------------------------------------------------------------------
    async def _ui_lang(self, visitor: Visitor, entries: Sequence[Entry], hint: str | None) -> str:
        for entry in reversed(entries):
            if entry.who == "bot":
                return entry.lang
        try:
            conv = (await self._sessions.load(visitor.key)).conversation
        except Exception:  # noqa: BLE001 - the page's language is not worth an error page
            conv = None
        return (conv.lang if conv and conv.lang else None) or hint or DEFAULT_LANG

    def _render(
        self,
        request: Request,
        visitor: Visitor,
        lang: str,
        entries: Sequence[Entry],
        *,
        hint: str | None,
        notice_text: str | None = None,
        status: int = 200,
    ) -> Response:
        last_turn = max((e.turn for e in entries), default=-1)
        first_new = next((e.seq for e in entries if e.turn == last_turn and e.who == "bot"), None)
        dump = [e.dump() for e in entries]
        text = {key: say(lang, key) for key in TEXT if key not in ("too_long", "signed_in")}
        body = self._templates.get_template("chat.html").render(
            lang=lang,
            dir=locales.info(lang).direction,
            text=text,
            intro=t(lang, 'Write what you need and where, for example: "eat Mulhouse".'),
            entries=[
                {
                    "seq": e.seq,
                    "who": e.who,
                    "lang": e.lang,
                    "dir": locales.info(e.lang).direction,
                    "pieces": pieces(e.text, e.alerts) if e.who == "bot" else [(e.text, None)],
                    "locate": notice(e.lang, SHARE_LOCATION)
                    if e.ask_location and e.turn == last_turn and e.who == "bot"
                    else None,
                    "choices": e.choices if e.turn == last_turn and e.who == "bot" else (),
                    "latest": e.seq == first_new,
                }
                for e in entries
            ],
            notice=notice_text,
            csrf=self._guard.csrf(visitor.user_id),
            nonce=new_id(),
            history=self._guard.seal(visitor.user_id, dump),
            hint=hint or "",
            max_chars=MAX_MESSAGE_CHARS,
            desk=say(lang, "signed_in", name=visitor.desk.name, organisation=visitor.desk.organisation)
            if visitor.desk
            else None,
            login=self._operators is not None,
        )
        # An operator's page is never framed; the public one by whom WEBCHAT_FRAME_ANCESTORS names.
        frame = None if visitor.desk else self._config.frame_ancestors
        response = HTMLResponse(body, status_code=status, headers=framing_headers(frame))
        if visitor.new:
            self._set_cookie(response, request, visitor)
        return response

    async def page(self, request: Request) -> Response:
        """GET /chat[?lang=ar]: an empty chat; `lang` is the language a kiosk or partner page opens in."""
        visitor = self._visitor(request)
        hint = locales.from_tag(request.query_params.get("lang")) or accepted_language(
            request.headers.get("accept-language")
        )
        return self._render(request, visitor, await self._ui_lang(visitor, (), hint), (), hint=hint)

    async def _form(self, request: Request) -> dict[str, str] | Response:
        try:
            body = await read_capped(request, MAX_BODY_BYTES)
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except TooLarge:
            REFUSED.labels("web", "too_large").inc()
            return Response("request too large", status_code=413, media_type="text/plain")
        except (UnicodeDecodeError, ValueError):
            REFUSED.labels("web", "malformed").inc()
            return Response("bad request", status_code=400, media_type="text/plain")
        return {name: value for name, value in reversed(pairs)}  # the first of a repeated field wins

    async def post(self, request: Request) -> Response:
        """POST /chat: CSRF token, rate limits, length, then one turn (a form sent twice is answered
        once: its nonce is claimed as a webhook's message id is), and the page with the replies."""
        form = await self._form(request)
        if isinstance(form, Response):
            return form
        visitor = self._visitor(request)
        hint = locales.from_tag(form.get("lang")) or accepted_language(request.headers.get("accept-language"))
        if visitor.new or not self._guard.csrf_ok(visitor.user_id, form.get("csrf", "")):
            REFUSED.labels("web", "csrf").inc()
            lang = await self._ui_lang(visitor, (), hint)
            return self._render(
                request, visitor, lang, (), hint=hint, notice_text=say(lang, "expired"), status=403
            )
        history = entries_of(self._guard.unseal(visitor.user_id, form.get("h", "")))[-HISTORY_ENTRIES:]
        lang = await self._ui_lang(visitor, history, hint)
        text = (form.get("choice") or form.get("text") or "").strip()
        if not text:
            return self._render(request, visitor, lang, history, hint=hint)
        if len(text) > MAX_MESSAGE_CHARS:
            too_long = say(lang, "too_long", limit=MAX_MESSAGE_CHARS)
            return self._render(request, visitor, lang, history, hint=hint, notice_text=too_long)
        if not (
            self._per_user.allow(visitor.user_id) and self._per_address.allow(self._address_key(request))
        ):
            REFUSED.labels("web", "rate").inc()
            too_many = say(lang, "too_many")
            return self._render(request, visitor, lang, history, hint=hint, notice_text=too_many, status=429)
        nonce = form.get("n", "")
        answer = await self._answer(visitor, text, hint, nonce if _NONCE.fullmatch(nonce) else new_id())
        if answer is None:  # the same form is being answered by another request: its page has it
            return self._render(request, visitor, lang, history, hint=hint)
        replies, forget = answer
        if forget:  # "forget me": the page forgets too, the confirmation alone remains
            history = []
        seq = history[-1].seq + 1 if history else 0
        turn = history[-1].turn + 1 if history else 0
        # The person's words in the language the conversation read them in (a screen reader voices
        # Arabic written on a French page as Arabic), else the page's.
        said = next((r.lang for r in replies), lang)
        mine = [] if forget else [Entry(seq, "you", said, text, (), turn)]
        entries = (history + mine + reply_entries(replies, seq + 1, turn))[-HISTORY_ENTRIES:]
        return self._render(request, visitor, await self._ui_lang(visitor, entries, hint), entries, hint=hint)

    async def _answer(
        self, visitor: Visitor, text: str, hint: str | None, nonce: str
    ) -> tuple[list[Reply], bool] | None:
        """(the turn's replies, whether the person asked to be forgotten); the kept replies when this
        form was answered already; None while another request answers it. Whatever breaks below, the
        person reads the unavailable notice in their language."""
        key = f"web:{visitor.key[:32]}:{nonce}"
        try:
            claim = await claim_or_wait(
                self._dedup, key, request_hash([("text", text)]), wait_seconds=RETRY_WAIT_SECONDS
            )
        except Exception:
            log.warning("dedup store failed; answering anyway", exc_info=True)
            claim = Claim(Seen.NEW)
        if claim.seen is Seen.REPLAY:
            return kept_replies(claim.reply or "[]"), False
        if claim.seen is not Seen.NEW:
            return None
        role, actor = Role.PUBLIC, None
        if visitor.desk is not None and self._operators is not None:
            # The sign-in cookie lasts a shift; a removal counts from the next message (or cache expiry).
            active = await self._operators.active_role(visitor.desk.id)
            if active is not None:
                role, actor = active, visitor.desk.id
        msg = Incoming(
            Channel.WEB, visitor.key, text=text, language_hint=hint, surface=WEB, role=role, actor=actor
        )
        try:
            turn = await self._converse(msg)
        except Exception:
            log.warning("web turn failed user=%s", visitor.key[:12], exc_info=True)
            await self._settle(key, None)
            lang = reply_language(text, hint)
            return [Reply(ReplyKind.NOTICE, lang, notice(lang, UNAVAILABLE))], False
        await self._settle(key, keep_replies(turn.replies))
        return list(turn.replies), turn.forget

    async def _settle(self, key: str, reply: str | None) -> None:
        try:
            await settle(self._dedup, key, reply)
        except Exception:
            log.warning("dedup store failed; the same form may be answered again", exc_info=True)

    async def new(self, request: Request) -> Response:
        """POST /chat/new: the next person at a kiosk starts afresh; the previous conversation is
        deleted at once rather than left to expire."""
        form = await self._form(request)
        if isinstance(form, Response):
            return form
        visitor = self._visitor(request)
        if not visitor.new and self._guard.csrf_ok(visitor.user_id, form.get("csrf", "")):
            try:
                await self._sessions.forget(visitor.key)
            except Exception:  # noqa: BLE001 - it expires anyway; the new page is what matters
                log.warning("conversation not forgotten user=%s", visitor.key[:12], exc_info=True)
        response = RedirectResponse(_with_lang("/chat", form.get("lang")), status_code=303)
        self._set_cookie(response, request, self._visitor(request, fresh=True))
        return response

    # --- operators ---------------------------------------------------------------------------------
    def _login_render(
        self, request: Request, visitor: Visitor, lang: str, error: str | None, status: int = 200
    ) -> Response:
        body = self._templates.get_template("login.html").render(
            lang=lang,
            dir=locales.info(lang).direction,
            text={key: say(lang, key) for key in TEXT if key not in ("too_long", "signed_in")},
            error=error,
            csrf=self._guard.csrf(visitor.user_id),
            available=self._operators is not None,
        )
        response = HTMLResponse(body, status_code=status, headers=framing_headers(None))
        if visitor.new:
            self._set_cookie(response, request, visitor)
        return response

    async def login_page(self, request: Request) -> Response:
        visitor = self._visitor(request)
        lang = locales.from_tag(request.query_params.get("lang")) or accepted_language(
            request.headers.get("accept-language")
        )
        return self._login_render(request, visitor, lang or DEFAULT_LANG, None)

    async def login(self, request: Request) -> Response:
        """POST /chat/login: a signed, HttpOnly, SameSite=Strict cookie for the shift, and a new chat
        id (the conversation before sign-in is not the operator's)."""
        form = await self._form(request)
        if isinstance(form, Response):
            return form
        visitor = self._visitor(request)
        lang = locales.from_tag(form.get("lang")) or accepted_language(request.headers.get("accept-language"))
        lang = lang or DEFAULT_LANG
        if visitor.new or not self._guard.csrf_ok(visitor.user_id, form.get("csrf", "")):
            REFUSED.labels("web", "csrf").inc()
            return self._login_render(request, visitor, lang, say(lang, "expired"), status=403)
        if self._operators is None:
            return self._login_render(request, visitor, lang, None, status=404)
        if not self._logins.allow(self._address_key(request)):
            REFUSED.labels("web", "login_rate").inc()
            return self._login_render(request, visitor, lang, say(lang, "too_many"), status=429)
        login, password = form.get("login", "")[:200], form.get("password", "")[:1000]
        try:
            operator = await self._operators.check_web_login(login, password) if login and password else None
        except Exception:
            log.warning("operator sign-in failed", exc_info=True)
            return self._login_render(request, visitor, lang, notice(lang, UNAVAILABLE), status=503)
        if operator is None:
            log.info("web sign-in refused")
            return self._login_render(request, visitor, lang, say(lang, "wrong"), status=401)
        log.info("web sign-in: operator %d", operator.id)
        desk = Desk(
            operator.id,
            operator.role,
            operator.display_name,
            operator.organisation,
            self._clock() + DESK_SECONDS,
        )
        response = RedirectResponse(_with_lang("/chat", lang), status_code=303)
        response.set_cookie(
            DESK_COOKIE,
            self._guard.desk(desk),
            max_age=DESK_SECONDS,
            path="/chat",
            httponly=True,
            secure=self._https(request),
            samesite="strict",
        )
        self._set_cookie(response, request, self._visitor(request, fresh=True))
        return response

    async def logout(self, request: Request) -> Response:
        form = await self._form(request)
        if isinstance(form, Response):
            return form
        visitor = self._visitor(request)
        response = RedirectResponse("/chat", status_code=303)
        if not visitor.new and self._guard.csrf_ok(visitor.user_id, form.get("csrf", "")):
            response.delete_cookie(DESK_COOKIE, path="/chat", httponly=True, samesite="strict")
            with suppress(Exception):
                await self._sessions.forget(visitor.key)
            self._set_cookie(response, request, self._visitor(request, fresh=True))
        return response

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in self._assets:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(
            self._assets[name],
            media_type=ASSETS[name],
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )


def client_address(request: Request) -> str:
    """Who sent the request, for the rate limit. Behind the HTTPS proxy (docker-compose.yml publishes
    the service on a private address) every request comes from the proxy, which appends the real
    client to X-Forwarded-For: its last entry is taken then, and only then; a client reaching us
    directly cannot choose its bucket by writing the header itself."""
    peer = request.client.host if request.client else ""
    try:
        behind_proxy = ipaddress.ip_address(peer).is_private
    except ValueError:
        behind_proxy = False
    forwarded = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
    return forwarded if behind_proxy and forwarded else peer or "unknown"


def _dispatch(name: str) -> Callable[[Request], Awaitable[Response]]:
    """The app lists its routes before its lifespan builds the chat: a route finds it in the state."""

    async def endpoint(request: Request) -> Response:
        chat: WebChat = request.state.webchat
        handler: Callable[[Request], Awaitable[Response]] = getattr(chat, name)
        return await handler(request)

    return endpoint


def chat_routes() -> list[Route]:
    return [
        Route("/chat", _dispatch("page"), methods=["GET"]),
        Route("/chat", _dispatch("post"), methods=["POST"]),
        Route("/chat/new", _dispatch("new"), methods=["POST"]),
        Route("/chat/login", _dispatch("login_page"), methods=["GET"]),
        Route("/chat/login", _dispatch("login"), methods=["POST"]),
        Route("/chat/logout", _dispatch("logout"), methods=["POST"]),
        Route("/chat/assets/{name}", _dispatch("asset"), methods=["GET"]),
    ]


def _with_lang(path: str, lang: str | None) -> str:
    code = locales.from_tag(lang)
    return f"{path}?lang={code}" if code else path
