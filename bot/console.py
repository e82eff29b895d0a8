"""`solibot chat`: the conversation on stdin/stdout, the zero-setup way to try the bot."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app import conversation_deps
from bot.gsm import Encoding, segments
from bot.settings import Settings
from bot.sms import bodies
from db.bootstrap import prepare
from db.engine import make_async_engine
from handlers import (
    Channel,
    Conversation,
    Deps,
    Incoming,
    MemorySessionStore,
    Reply,
    SessionStore,
    SqliteSessionStore,
    respond,
    user_key,
)
from handlers.i18n import DEFAULT_LANG, LANGUAGES, t
from search import Point

PARIS = ZoneInfo("Europe/Paris")
_LOCATION = re.compile(r"^\s*(?:@|geo:)\s*(-?\d+(?:\.\d+)?)\s*[,;]\s*(-?\d+(?:\.\d+)?)\s*$", re.I)


def decode(line: str, channel: Channel, key: str) -> Incoming:
    """ "@48.75,7.34" (or "geo:…") stands for a shared location, since a terminal has no button."""
    match = _LOCATION.match(line)
    if match and channel is not Channel.SMS:
        try:
            return Incoming(channel, key, "", location=Point(float(match.group(1)), float(match.group(2))))
        except ValueError:
            pass
    return Incoming(channel, key, line)


def render(replies: Sequence[Reply], channel: Channel, sms_segments: int = 3) -> str:
    """SMS: exactly the bodies the webhook would send, each under a marker with its encoding and
    cost, so that whoever tries the bot here sees what a phone receives and what it pays;
    console/Telegram: the text plus what a button would offer."""
    if channel is Channel.SMS:
        return sms_transcript(bodies(replies, sms_segments))
    parts = []
    for reply in replies:
        body = reply.text
        if reply.ask_location:
            body += "\n" + t(
                reply.lang, "(To share a location here, type it as @LAT,LON, for example @47.75,7.34)"
            )
        parts.append(body)
    return "\n\n".join(parts)


def sms_transcript(messages: Sequence[str]) -> str:
    """ "--- SMS 1/2 (GSM-7, 3 segments) ---" above each body: a tester's annotation, not a reply."""
    lines = []
    for number, body in enumerate(messages, 1):
        cost = segments(body)
        encoding = "GSM-7" if cost.encoding is Encoding.GSM7 else "UCS-2"
        plural = "" if cost.count == 1 else "s"
        lines.append(
            f"--- SMS {number}/{len(messages)} ({encoding}, {cost.count} segment{plural}) ---\n{body}"
        )
    return "\n".join(lines)


async def _turn(
    store: SessionStore, deps: Deps, msg: Incoming, lang: str | None, sms_segments: int = 3
) -> str:
    conv = await store.load(msg.user_key) or Conversation()
    if lang and not conv.lang_chosen:
        conv = replace(conv, lang=lang, lang_chosen=True)
    turn = await respond(conv, msg, deps)
    await store.save(msg.user_key, turn.conversation)
    return render(turn.replies, msg.channel, sms_segments)


async def _chat(
    *,
    once: str | None,
    channel: Channel,
    user: str | None,
    at: datetime | None,
    lang: str | None,
    settings: Settings,
    stdin: TextIO,
    stdout: TextIO,
) -> int:
    engine = make_async_engine(settings.database_url)
    clock: Callable[[], datetime] = (lambda: at) if at else (lambda: datetime.now(PARIS))
    deps = conversation_deps(settings, engine, clock)
    store: SessionStore = (
        SqliteSessionStore(engine, ttl_seconds=settings.session_ttl_seconds) if user else MemorySessionStore()
    )
    key = user_key(settings.user_key_secret.get_secret_value().encode(), channel.value, user or "console")
    try:
        if once is not None:
            answer = await _turn(store, deps, decode(once, channel, key), lang, settings.sms_max_segments)
            if answer:  # silence after STOP stays silent
                stdout.write(answer + "\n")
            return 0
        interactive = stdin.isatty()
        if interactive:
            stdout.write(
                t(lang or DEFAULT_LANG, 'Write what you need and where, for example: "eat Mulhouse".') + "\n"
            )
        while True:
            if interactive:
                stdout.write("> ")
                stdout.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                return 0
            answer = await _turn(
                store, deps, decode(line.rstrip("\n"), channel, key), lang, settings.sms_max_segments
            )
            if answer:
                stdout.write(answer + "\n\n")
                stdout.flush()
    finally:
        await engine.dispose()


def run_chat(
    *,
    once: str | None,
    channel: str,
    user: str | None,
    at: datetime | None,
    lang: str | None,
    settings: Settings,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """One message with `once`, else a REPL until end of input; 2 on a bad argument."""
    err = sys.stderr
    try:
        chosen = Channel(channel)
    except ValueError:
        err.write(f"unknown channel {channel!r}: choose one of {', '.join(c.value for c in Channel)}\n")
        return 2
    if lang is not None and lang not in LANGUAGES:
        err.write(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}\n")
        return 2
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=PARIS)
    prepare(settings.database_url, now=at or datetime.now(PARIS), seed_sample=settings.seed_sample)
    return asyncio.run(
        _chat(
            once=once,
            channel=chosen,
            user=user,
            at=at,
            lang=lang,
            settings=settings,
            stdin=stdin or sys.stdin,
            stdout=stdout or sys.stdout,
        )
    )
