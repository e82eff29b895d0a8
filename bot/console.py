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

from bot.settings import Settings
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
    default_understand,
    respond,
    user_key,
)
from handlers.i18n import DEFAULT_LANG, LANGUAGES, t
from search.engine import Directory
from search.geo import Point

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


def render(replies: Sequence[Reply], channel: Channel) -> str:
    """SMS: plain text, the numbered choices already in it; console/Telegram: the same plus what a button
    would offer."""
    parts = []
    for reply in replies:
        body = reply.text
        if reply.ask_location and channel is not Channel.SMS:
            body += "\n" + t(
                reply.lang, "(To share a location here, type it as @LAT,LON, for example @47.75,7.34)"
            )
        parts.append(body)
    return "\n\n".join(parts)


async def _turn(store: SessionStore, deps: Deps, msg: Incoming, lang: str | None) -> str:
    conv = await store.load(msg.user_key) or Conversation()
    if lang and not conv.lang_chosen:
        conv = replace(conv, lang=lang, lang_chosen=True)
    turn = await respond(conv, msg, deps)
    await store.save(msg.user_key, turn.conversation)
    return render(turn.replies, msg.channel)


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
    deps = Deps(directory=Directory(engine), understand=default_understand(), clock=clock)
    store: SessionStore = (
        SqliteSessionStore(engine, ttl_seconds=settings.session_ttl_seconds) if user else MemorySessionStore()
    )
    key = user_key(settings.user_key_secret.get_secret_value().encode(), channel.value, user or "console")
    try:
        if once is not None:
            answer = await _turn(store, deps, decode(once, channel, key), lang)
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
            answer = await _turn(store, deps, decode(line.rstrip("\n"), channel, key), lang)
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
