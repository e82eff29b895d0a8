"""The web service: one Starlette app serving the Twilio and Telegram webhooks and a health check."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import os
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from bot import logs
from bot.deadline import within
from bot.metrics import DEPENDENCY_UP, exposition, metered
from bot.operators import OperatorStore
from bot.printable import list_endpoint
from bot.report import stats_endpoint
from bot.settings import Settings
from bot.sms import SmsChannel, SmsConfig, SmsSender, TwilioRestSender
from bot.sms_render import bodies
from bot.surfaces import SmsSurface
from bot.webchat import WebChat, WebConfig, chat_routes
from bot.webchat_guard import DenyFraming
from bot.wiring import Clock, Resources, now
from handlers import prebuilt_in_child

# python-telegram-bot is imported only when TELEGRAM_BOT_TOKEN is set (~30 MB a worker otherwise).
if TYPE_CHECKING:
    from telegram.request import BaseRequest
    from twilio.http import HttpClient

    from bot.telegram import TelegramChannel

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 2.0
MALLOC_ARENAS = 2  # glibc's malloc arenas in a served worker (see few_malloc_arenas)
_M_ARENA_MAX = -8  # mallopt's parameter number, <malloc.h>


def few_malloc_arenas() -> bool:
    """At most MALLOC_ARENAS malloc arenas in this process: each thread that allocates (the search's
    reads, the index arriving from its child process) would otherwise get one of its own, up to 8 a
    core, whose freed memory stays in the worker (13 MB at 1,000,000 services, bench.worker_memory),
    while the GIL serialises Python's allocations anyway. glibc only; MALLOC_ARENA_MAX in the
    environment wins. Whether the limit was set."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        return bool(ctypes.CDLL(None).mallopt(_M_ARENA_MAX, MALLOC_ARENAS))
    except (OSError, AttributeError):  # not glibc (musl, macOS): another allocator
        return False


def _sms_sender(settings: Settings, http_client: HttpClient | None) -> SmsSender | None:
    if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number):
        return None
    from twilio.rest import Client

    client = Client(
        settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(), http_client=http_client
    )
    return TwilioRestSender(client, settings.twilio_from_number)


async def sms_twilio(request: Request) -> Response:
    channel: SmsChannel = request.state.sms
    return await channel.handle(request)


async def telegram_webhook(request: Request) -> Response:
    channel: TelegramChannel | None = request.state.telegram
    if channel is None:
        return Response("telegram is not configured", status_code=404, media_type="text/plain")
    return await channel.handle(request)


async def _answers(check: Callable[[], Coroutine[Any, Any, None]], dependency: str) -> bool:
    try:
        await within(HEALTH_TIMEOUT_SECONDS, check())
    except Exception as exc:
        log.warning("health check: %s down (%s)", dependency, exc.__class__.__name__)
        DEPENDENCY_UP.labels(dependency).set(0)
        return False
    DEPENDENCY_UP.labels(dependency).set(1)
    return True


async def healthz(request: Request) -> Response:
    """Load balancers take a worker out when its database is unreachable. Redis down is reported but
    keeps the worker in: it still answers (as to a new conversation), and every worker shares Redis."""
    resources: Resources = request.state.resources
    database = await _answers(resources.ping, "database")
    sessions = await _answers(resources.ping_sessions, "sessions")
    body = {
        "status": "ok" if database and sessions else "degraded" if database else "unavailable",
        "database": "up" if database else "down",
        "sessions": "up" if sessions else "down",
    }
    return JSONResponse(body, status_code=200 if database else 503)


async def metrics(request: Request) -> Response:
    """Prometheus's text format; the dependency gauges are checked at each scrape."""
    resources: Resources = request.state.resources
    await _answers(resources.ping, "database")
    await _answers(resources.ping_sessions, "sessions")
    body, content_type = exposition()
    return Response(body, media_type=content_type)


async def _warm_up(resources: Resources, settings: Settings, freeze: bool) -> None:
    """What the first SMS would build (indexes, catalogs, the search's points, the SMS pages), built
    before /healthz says ready. A database down at start only leaves it to the first turn.

    `freeze` (a served worker, not the tests' many apps in one process): the millions of objects of
    the indexes are moved out of the cyclic collector's reach, so that its full collections, every few
    thousand requests, no longer walk them all (they live as long as the worker anyway)."""
    if freeze and settings.cache_dir is not None:
        try:
            await asyncio.to_thread(prebuilt_in_child, settings.cache_dir)
        except Exception as exc:  # noqa: BLE001 - the warm-up below makes them here instead
            log.warning("indexes not made in a child process (%s)", exc.__class__.__name__)
    try:
        turn = await resources.warm_up(SmsSurface(settings.sms_max_segments))
        bodies(turn.replies, settings.sms_max_segments)
    except Exception as exc:  # noqa: BLE001 - serving degraded beats not serving
        log.warning("warm-up turn failed (%s): the first turn builds what it needs", exc.__class__.__name__)
    if freeze:
        gc.collect()
        gc.freeze()


async def stopped(*tasks: asyncio.Task[None] | None) -> None:
    """Background tasks cancelled and waited for: a scheduled sync then gives its lock back (in a
    thread, from its `finally`) before the worker's loop closes, instead of leaving it to the exit."""
    started = [task for task in tasks if task is not None]
    for task in started:
        task.cancel()
    await asyncio.gather(*started, return_exceptions=True)


def create_app(
    settings: Settings,
    *,
    clock: Clock = now,
    telegram_request: BaseRequest | None = None,
    twilio_http_client: HttpClient | None = None,
    freeze_after_start: bool = False,
) -> Starlette:
    """The composition root. `telegram_request` and `twilio_http_client` are the two network boundaries
    we do not run in tests; everything else (database, Redis, PTB's Application) is real.
    `freeze_after_start`: for a served worker (`serve`, `factory`), see `_warm_up`."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with Resources.open(settings, clock) as resources:
            converse = metered(resources.converse)
            await _warm_up(resources, settings, freeze_after_start)
            secret = settings.user_key_secret.get_secret_value().encode()
            token = settings.twilio_auth_token
            sms = SmsChannel(
                SmsConfig(
                    secret,
                    settings.public_base_url,
                    settings.sms_max_segments,
                    settings.sms_rest_threshold_seconds,
                    settings.twilio_account_sid,
                ),
                RequestValidator(token.get_secret_value()) if token else None,
                resources.dedup,
                converse,
                _sms_sender(settings, twilio_http_client),
            )
            telegram: TelegramChannel | None = None
            if settings.telegram_bot_token is not None:
                from bot.telegram import TelegramChannel, build_application, set_webhook

                hook = settings.telegram_webhook_secret
                telegram = TelegramChannel(
                    build_application(settings, request=telegram_request),
                    converse,
                    secret,
                    resources.sessions,
                    resources.dedup,
                    hook.get_secret_value() if hook else None,
                )
                await telegram.application.initialize()
                await telegram.application.start()
                await set_webhook(telegram.application, settings)
            webchat = WebChat(
                WebConfig(secret, settings.webchat_frame_ancestors, settings.public_base_url),
                converse,
                resources.sessions,
                resources.dedup,
                OperatorStore(resources.engine, secret),  # the desk's sign-in (/chat/login)
            )
            retention = asyncio.create_task(resources.retention())
            sync = None  # the sync's modules (its API client) only when SOLIGUIDE_SYNC_EVERY is set: 1.6 MB
            if settings.soliguide_sync_every is not None:
                from bot.sync import start_schedule

                sync = start_schedule(settings, clock)
            try:
                yield {"resources": resources, "sms": sms, "telegram": telegram, "webchat": webchat}
            finally:
                await stopped(retention, sync)
                await sms.drain()
                if telegram is not None:
                    await telegram.application.stop()
                    await telegram.application.shutdown()

    return Starlette(
        routes=[
            Route("/sms/twilio", sms_twilio, methods=["POST"]),
            Route("/telegram/webhook", telegram_webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/stats", stats_endpoint(settings, clock), methods=["GET"]),  # behind STATS_TOKEN
            Route("/list", list_endpoint(clock), methods=["GET"]),  # a printable list for a street round
            *chat_routes(),  # the web chat: public, embeddable; operators behind /chat/login
        ],
        middleware=[Middleware(DenyFraming)],  # only /chat says who may frame it
        lifespan=lifespan,
    )


def factory() -> Starlette:
    """For uvicorn's import string (several workers): each worker reads the same environment and
    configures its own logging (a worker process inherits none)."""
    few_malloc_arenas()
    settings = Settings()
    logs.configure(settings.log_level, settings.log_format, settings.secret_values())
    return create_app(settings, freeze_after_start=True)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> int:
    if workers > 1:
        uvicorn.run(
            "bot.app:factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=False,
            access_log=False,
        )
    else:
        few_malloc_arenas()
        app = create_app(settings, freeze_after_start=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False, access_log=False)
    return 0
