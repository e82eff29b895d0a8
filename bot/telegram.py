"""The Telegram channel: python-telegram-bot's Application fed by our webhook route, or polling locally."""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest

from bot.dedup import DedupStore, Seen, claim_or_wait, request_hash, settle
from bot.identity import user_key
from bot.metrics import REFUSED
from bot.notices import MEDIA_HELP, SHARE_LOCATION, UNAVAILABLE, language, say
from bot.settings import Settings
from bot.surfaces import TELEGRAM
from bot.webhook import TooLarge, read_capped
from bot.wiring import Resources
from handlers import Channel, Choice, Incoming, Point, Reply, SessionStore, Turn, reply_language

log = logging.getLogger(__name__)

Converse = Callable[[Incoming], Awaitable[Turn]]
MAX_BODY_BYTES = 256 * 1024
RETRY_WAIT_SECONDS = 12.0  # a repeated update waits this long for the first to be answered
_COMMANDS = {
    "start": "start",
    "help": "help",
    "aide": "aide",
    "stop": "stop",
    "menu": "menu",
    "langue": "langue",
}


def _point(lat: float, lon: float) -> Point | None:
    try:
        return Point(lat, lon)
    except ValueError:
        return None


def command_text(text: str) -> str:
    """ "/start@solibot" is Telegram's way to say START; other slash commands lose only the slash."""
    if not text.startswith("/"):
        return text
    word, _, rest = text[1:].partition(" ")
    word = word.split("@", 1)[0].lower()
    return " ".join(part for part in (_COMMANDS.get(word, word), rest) if part)


def _callback_data(reply: str) -> str:
    return reply.encode("utf-8")[:64].decode("utf-8", "ignore")


def choice_keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup:
    """Short answers ("1", "+") share rows of five; labelled ones get a row each, readable on a phone."""
    buttons = [InlineKeyboardButton(c.label[:60], callback_data=_callback_data(c.reply)) for c in choices]
    width = 5 if all(len(c.label) <= 4 for c in choices) else 1
    return InlineKeyboardMarkup([buttons[i : i + width] for i in range(0, len(buttons), width)])


def location_keyboard(lang: str) -> ReplyKeyboardMarkup:
    label = say(lang, SHARE_LOCATION)
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_location=True)]], resize_keyboard=True, one_time_keyboard=True
    )


def render_text(reply: Reply) -> str:
    """parse_mode=HTML, so every "<" or "&" from a place's name is escaped; cut to Telegram's limit."""
    escaped = html.escape(reply.text, quote=False)
    limit = MessageLimit.MAX_TEXT_LENGTH
    return escaped if len(escaped) <= limit else escaped[: limit - 1].rsplit("\n", 1)[0] + "\n…"


class TelegramChannel:
    """Our conversation behind PTB handlers: decode an Update to an Incoming, render Replies as
    messages with keyboards and venue pins. The webhook route only verifies and feeds updates in."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        converse: Converse,
        secret: bytes,
        sessions: SessionStore,
        dedup: DedupStore,
        webhook_secret: str | None,
    ) -> None:
        self.application = application
        self._converse, self._secret, self._sessions, self._dedup = converse, secret, sessions, dedup
        self._webhook_secret = webhook_secret
        new = filters.UpdateType.MESSAGE  # an edited message is not a new question
        media = (
            filters.PHOTO
            | filters.Sticker.ALL
            | filters.VOICE
            | filters.AUDIO
            | filters.VIDEO
            | filters.VIDEO_NOTE
            | filters.ANIMATION
            | filters.Document.ALL
            | filters.CONTACT
        )
        application.add_handler(CallbackQueryHandler(self._on_callback))
        application.add_handler(MessageHandler(new & filters.LOCATION, self._on_location))
        application.add_handler(MessageHandler(new & filters.TEXT, self._on_text))
        application.add_handler(MessageHandler(new & media, self._on_media))
        application.add_error_handler(self._on_error)

    # --- webhook ---------------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        """Telegram echoes the secret given to setWebhook; a request without it is not Telegram's."""
        received = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not self._webhook_secret or not hmac.compare_digest(
            received.encode(), self._webhook_secret.encode()
        ):
            log.warning("telegram refused: bad or missing secret token")
            REFUSED.labels("telegram", "secret").inc()
            return Response("forbidden", status_code=403, media_type="text/plain")
        try:
            body = await read_capped(request, MAX_BODY_BYTES)
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # de_json raises whatever a malformed nested object provokes
            log.info("telegram refused: %s", exc.__class__.__name__)
            REFUSED.labels("telegram", "too_large" if isinstance(exc, TooLarge) else "malformed").inc()
            status = 413 if isinstance(exc, TooLarge) else 400
            return Response("bad request", status_code=status, media_type="text/plain")
        key = f"tg:{self.application.bot.id}:{update.update_id}"
        seen = await self._claim(key, request_hash([("update", json.dumps(data, sort_keys=True))]))
        if seen is not Seen.NEW:
            log.info("telegram update %s: not processed again", seen.value)
            return Response(status_code=200)
        try:
            await self.application.process_update(update)
        except Exception:  # a 500 would make Telegram retry the same update again and again
            log.exception("telegram update failed")
            await self._settle(key, done=False)
        else:
            await self._settle(key, done=True)
        return Response(status_code=200)

    async def _claim(self, key: str, request: str) -> Seen:
        try:
            found = await claim_or_wait(self._dedup, key, request, wait_seconds=RETRY_WAIT_SECONDS)
        except Exception:
            log.warning("dedup store failed; processing anyway", exc_info=True)
            return Seen.NEW
        return found.seen

    async def _settle(self, key: str, *, done: bool) -> None:
        """Replies went out through the Bot API: a retry is acknowledged without a second answer."""
        try:
            await settle(self._dedup, key, "" if done else None)
        except Exception:
            log.warning("dedup store failed; a retry may be answered again", exc_info=True)

    # --- decode ----------------------------------------------------------------------------------
    def _incoming(self, update: Update, text: str = "", location: Point | None = None) -> Incoming | None:
        chat = update.effective_chat
        if chat is None:
            return None
        user = update.effective_user
        return Incoming(
            Channel.TELEGRAM,
            user_key(self._secret, Channel.TELEGRAM.value, str(chat.id)),
            text=text,
            location=location,
            language_hint=user.language_code if user else None,
            surface=TELEGRAM,
        )

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text answering the person's own location message ("2 personnes, à manger" sent as a
        reply to it) says its need at that position; a reply to our map of a place does not."""
        message = update.effective_message
        if message is not None and message.text is not None:
            earlier = message.reply_to_message
            own = earlier is not None and earlier.from_user is not None and not earlier.from_user.is_bot
            replied = earlier.location if own and earlier is not None else None
            where = _point(replied.latitude, replied.longitude) if replied else None
            await self._turn(update, context, self._incoming(update, command_text(message.text), where))

    async def _on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.location is None:
            return
        point = _point(message.location.latitude, message.location.longitude)
        if point is None:
            return
        # A caption, where a client lets one be written, is the need at that position.
        await self._turn(update, context, self._incoming(update, text=message.caption or "", location=point))

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        await self._turn(update, context, self._incoming(update, text=query.data or ""))

    async def _on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, stickers, voice: we cannot read them, so we say what we can read."""
        msg = self._incoming(update)
        chat = update.effective_chat
        if msg is None or chat is None:
            return
        lang = await self._lang(msg)
        await context.bot.send_message(chat.id, html.escape(say(lang, MEDIA_HELP)), parse_mode=ParseMode.HTML)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram handler failed", exc_info=context.error)

    async def _lang(self, msg: Incoming) -> str:
        try:
            conv = (await self._sessions.load(msg.user_key)).conversation
        except Exception:
            conv = None
        return conv.lang if conv and conv.lang else language(msg.language_hint)

    # --- converse and render ---------------------------------------------------------------------
    async def _turn(self, update: Update, context: ContextTypes.DEFAULT_TYPE, msg: Incoming | None) -> None:
        chat = update.effective_chat
        if msg is None or chat is None:
            return
        try:
            turn = await self._converse(msg)
        except Exception:
            log.exception("telegram turn failed user=%s", msg.user_key[:12])
            text = say(reply_language(msg.text, msg.language_hint), UNAVAILABLE)
            await context.bot.send_message(chat.id, html.escape(text), parse_mode=ParseMode.HTML)
            return
        await send_replies(context.bot, chat.id, turn.replies)


async def send_replies(bot: Any, chat_id: int, replies: Sequence[Reply]) -> None:
    """A location question gets the "share my location" keyboard; choices become inline buttons whose
    callback data is what typing the choice would send; a chosen result's details come with its map
    (one venue message: a list has none)."""
    for reply in replies:
        if reply.text:
            markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
            if reply.ask_location:
                markup = location_keyboard(reply.lang)
            elif reply.choices:
                markup = choice_keyboard(reply.choices)
            await bot.send_message(
                chat_id,
                render_text(reply),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        for venue in reply.venues:
            await bot.send_venue(
                chat_id,
                latitude=venue.lat,
                longitude=venue.lon,
                title=venue.title[:100],
                address=venue.address[:200],
            )


def build_application(
    settings: Settings, *, request: BaseRequest | None = None, polling: bool = False
) -> Application[Any, Any, Any, Any, Any, Any]:
    """`request` is the network boundary: tests give an offline BaseRequest that records the calls."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = Application.builder().token(settings.telegram_bot_token.get_secret_value())
    builder = builder.base_url(settings.telegram_api_base_url)
    if not polling:
        builder = builder.updater(None)
    if request is not None:
        builder = builder.request(request)
        if polling:
            builder = builder.get_updates_request(request)
    return builder.build()


async def set_webhook(application: Application[Any, Any, Any, Any, Any, Any], settings: Settings) -> None:
    if settings.telegram_webhook_url and settings.telegram_webhook_secret:
        await application.bot.set_webhook(
            settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret.get_secret_value(),
            allowed_updates=["message", "callback_query"],
        )
        log.info("telegram webhook registered")


def run_polling(settings: Settings) -> int:
    """Local use: long polling, no public URL needed; same conversation and stores as the web service."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with Resources.open(settings, seed_sample=True) as resources:
            application = build_application(settings, polling=True)
            channel = TelegramChannel(
                application,
                resources.converse,
                settings.user_key_secret.get_secret_value().encode(),
                resources.sessions,
                resources.dedup,
                None,
            )
            async with channel.application:
                await channel.application.bot.delete_webhook()
                assert channel.application.updater is not None
                await channel.application.updater.start_polling(allowed_updates=["message", "callback_query"])
                await channel.application.start()
                log.info("telegram polling; Ctrl-C to stop")
                await stop.wait()
                await channel.application.updater.stop()
                await channel.application.stop()

    asyncio.run(main())
    return 0
