"""`solibot chat`: the conversation on stdin/stdout, the zero-setup way to try the bot."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TextIO

from bot.gsm import Encoding, segments
from bot.identity import user_key
from bot.settings import Settings
from bot.sms_render import bodies
from bot.surfaces import CONSOLE, SMS_MAX_SEGMENTS, TELEGRAM, SmsSurface
from bot.wiring import Resources
from handlers import (
    DEFAULT_LANG,
    LANGUAGES,
    PARIS,
    Channel,
    Incoming,
    MemorySessionStore,
    Point,
    Reply,
    Surface,
    t,
)

_LOCATION = re.compile(r"^\s*(?:@|geo:)\s*(-?\d+(?:\.\d+)?)\s*[,;]\s*(-?\d+(?:\.\d+)?)\s*$", re.I)


def surface_of(channel: Channel, sms_segments: int = SMS_MAX_SEGMENTS) -> Surface:
    """The console shows what the chosen channel would: its page sizes, lengths and buttons."""
    if channel is Channel.SMS:
        return SmsSurface(sms_segments)
    return TELEGRAM if channel is Channel.TELEGRAM else CONSOLE


def decode(line: str, channel: Channel, key: str, sms_segments: int = SMS_MAX_SEGMENTS) -> Incoming:
    """ "@48.75,7.34" (or "geo:…") stands for a shared location, since a terminal has no button."""
    surface = surface_of(channel, sms_segments)
    match = _LOCATION.match(line)
    if match and channel is not Channel.SMS:
        try:
            point = Point(float(match.group(1)), float(match.group(2)))
            return Incoming(channel, key, "", location=point, surface=surface)
        except ValueError:
            pass
    return Incoming(channel, key, line, surface=surface)


def render(replies: Sequence[Reply], channel: Channel, sms_segments: int = SMS_MAX_SEGMENTS) -> str:
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
    clock: Callable[[], datetime] = (lambda: at) if at else (lambda: datetime.now(PARIS))
    key = user_key(settings.user_key_secret.get_secret_value().encode(), channel.value, user or "console")
    async with Resources.open(
        settings, clock, tolerate_database_down=False, seed_sample=True, deadline=False
    ) as resources:
        if not user:  # only --user is remembered between two runs
            resources = replace(resources, sessions=MemorySessionStore())
        if once is not None:
            msg = decode(once, channel, key, settings.sms_max_segments)
            turn = await resources.converse(msg, lang=lang)
            answer = render(turn.replies, channel, settings.sms_max_segments)
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
            msg = decode(line.rstrip("\n"), channel, key, settings.sms_max_segments)
            turn = await resources.converse(msg, lang=lang)
            answer = render(turn.replies, channel, settings.sms_max_segments)
            if answer:
                stdout.write(answer + "\n\n")
                stdout.flush()


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
