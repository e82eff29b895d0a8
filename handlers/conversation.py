"""The conversation: (state, message) → (state', replies); search and clock come in Deps, no I/O here."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.deps import Deps, UnderstandingLike
from handlers.filters import from_json, read_filters, to_json
from handlers.generic_needs import is_health, searched_categories
from handlers.i18n import DEFAULT_LANG, LANGUAGES, autonym, kilometres, t
from handlers.keywords import Command, clean, parse
from handlers.model import Channel, Choice, Conversation, Incoming, Reply, ReplyKind, Turn, Venue
from handlers.pages import (
    UCS2_LANGUAGES,
    details_text,
    header,
    need_label,
    nothing_found_text,
    results_text,
    when_label,
)
from handlers.questions import MAIN_NEEDS, ask_place, help_reply, language_menu, need_choice, need_menu
from handlers.safety import Alerts, read_alerts
from search import Filters, Point, Query, Result, SearchPage

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
MAX_CHOICES = 5
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


ENOUGH = 10  # the first search picks a radius that holds this many results, so PLUS has more to show


_ADDRESS = re.compile(
    r"\b\d{1,4}\s*(?:bis|ter)?,?\s+(?:rue|avenue|av|bd|boulevard|place|pl|chemin|allée|allee|quai|route|impasse)\b",
    re.IGNORECASE,
)


def page_size(channel: Channel, lang: str | None = None) -> int:
    """An SMS costs per 160 characters: three results fit in about three segments. In a UCS-2
    script a segment holds 67 characters, so two results make the page."""
    if channel is Channel.SMS:
        return 2 if lang in UCS2_LANGUAGES else 3
    return 5


def _compact(ctx: _Ctx) -> bool:
    """Every SMS reply is written to fit three segments in its encoding (pages.fits_sms)."""
    return ctx.channel is Channel.SMS


def _notice(lang: str, text: str) -> Reply:
    return Reply(ReplyKind.NOTICE, lang, text)


def safety_replies(alerts: Alerts, lang: str, *, short: bool = False) -> tuple[Reply, ...]:
    """Emergency numbers, most urgent first. `short` (SMS in a UCS-2 script) keeps every number in
    a few words, so that all four fit one message of three segments."""
    lines = []
    if alerts.danger:
        lines.append(
            t(lang, "Danger now: 17 or 112 (text 114 if you cannot speak).")
            if short
            else t(lang, "In immediate danger: call 17 (police) or 112. If you cannot speak, text 114.")
        )
    if alerts.violence:
        lines.append(
            t(lang, "Violence: 3919, free, anonymous, 24/7.")
            if short
            else t(
                lang,
                "Violence: call 3919, free and anonymous, 24/7. The call does not show on the phone bill.",
            )
        )
    if alerts.minor:
        lines.append(
            t(lang, "Under 18: 119, free, 24/7.")
            if short
            else t(lang, "Under 18: call 119, free, 24/7. Someone will listen and protect you.")
        )
    if alerts.shelter:
        lines.append(
            t(lang, "A bed tonight: 115, free, 24/7.")
            if short
            else t(lang, "For a bed tonight, call 115 (free, 24/7).")
        )
    return (Reply(ReplyKind.SAFETY, lang, "\n".join(lines)),) if lines else ()


def _worth_detecting(text: str, understanding: UnderstandingLike) -> bool:
    """One word ("Mulhouse", "ok") says little about a language; a sentence or a named need does."""
    words = [w for w in text.split() if _LETTERS.search(w)]
    return len(words) >= 2 or bool(understanding.needs)


def _reset_search(conv: Conversation) -> Conversation:
    return replace(conv, need=(), place=None, when=None, page=0, radius_km=None, results=(), extra={})


@dataclass(frozen=True, slots=True)
class _Ctx:
    """What one turn knows besides the conversation: who, when, in which language, on which channel."""

    deps: Deps
    now: datetime
    lang: str
    channel: Channel


async def respond(conv: Conversation, msg: Incoming, deps: Deps) -> Turn:
    """Never raises and never answers with silence, except to someone who sent STOP."""
    now = (msg.received_at or deps.clock()).astimezone(PARIS)
    try:
        turn = await _respond(conv, msg, deps, now)
    except Exception:  # noqa: BLE001 - a person waiting for a bed must get an answer, whatever broke
        log.exception("conversation failed channel=%s", msg.channel)
        lang = conv.lang or DEFAULT_LANG
        turn = Turn(
            conv,
            (
                _notice(
                    lang,
                    t(lang, "Sorry, something went wrong. Try again in a moment, or call 115 for a bed."),
                ),
            ),
        )
    return Turn(replace(turn.conversation, updated_at=now.isoformat()), turn.replies)


async def _respond(conv: Conversation, msg: Incoming, deps: Deps, now: datetime) -> Turn:
    text = clean(msg.text)
    hint = msg.language_hint[:2].lower() if msg.language_hint else None
    lang = conv.lang or (hint if hint in LANGUAGES else None) or DEFAULT_LANG
    ctx = _Ctx(deps, now, lang, msg.channel)
    parsed = parse(text) if msg.location is None else parse("")
    if conv.lang is None and parsed.lang and parsed.command is not Command.LANGUAGE and hint not in LANGUAGES:
        lang = parsed.lang  # a first "help" or "unsubscribe" is English: the word carries its language
        ctx = replace(ctx, lang=lang)

    if parsed.command is Command.STOP:
        if conv.opted_out:
            return Turn(conv, ())
        stopped = Conversation(lang=lang, lang_chosen=conv.lang_chosen, opted_out=True)
        confirm = t(lang, "Done: you will get no more messages. To come back, send START.")
        return Turn(stopped, (Reply(ReplyKind.CONFIRMATION, lang, confirm),))
    if conv.opted_out:
        if parsed.command is not Command.START:
            return Turn(conv, ())
        back = Conversation(lang=lang, lang_chosen=conv.lang_chosen)
        welcome = Reply(ReplyKind.CONFIRMATION, lang, t(lang, "Welcome back. You will get answers again."))
        return Turn(back, (welcome, help_reply(lang, short=_compact(ctx))))

    command = parsed.command
    greeting = command in (Command.HELP, Command.THANKS, Command.START)
    if conv.lang is None and greeting and not parsed.lang and _LETTERS.search(text):
        lang = _first_language(text, msg, ctx) or lang  # a first "سلام" deserves an answer in Arabic
        ctx = replace(ctx, lang=lang)
    conv = replace(conv, lang=lang)
    if command is Command.START or command is Command.HELP:
        return Turn(conv, (help_reply(lang, short=_compact(ctx)),))
    if command is Command.THANKS:
        return Turn(
            conv, (_notice(lang, t(lang, "You're welcome. Take care, write again whenever you need.")),)
        )
    if command is Command.ACK:
        if conv.pending == "place" and conv.need:
            return Turn(conv, (ask_place(lang, ctx.channel),))
        kind = t(lang, "All right. I am here whenever you need.")
        how = t(lang, 'Write what you need and where, for example: "eat Mulhouse".')
        return Turn(conv, (_notice(lang, f"{kind}\n{how}"),))
    if command is Command.MENU:
        return Turn(
            replace(conv, pending="need", options=tuple(c for c, _ in MAIN_NEEDS)),
            (need_menu(lang, short=_compact(ctx)),),
        )
    if command is Command.LANGUAGE_MENU:
        return Turn(replace(conv, pending="language"), (language_menu(lang),))
    if command is Command.LANGUAGE and parsed.lang:
        return _switch_language(conv, parsed.lang)
    if command is Command.MORE:
        return await _more(conv, ctx)
    if (
        command is Command.NUMBER
        and parsed.number is not None
        and (parsed.number < 1000 or conv.pending != "place")
    ):
        return await _number(conv, parsed.number, ctx)
    return await _free_text(conv, text, msg, ctx)


def _first_language(text: str, msg: Incoming, ctx: _Ctx) -> str | None:
    try:
        found = ctx.deps.understand(text, ctx.now, language_hint=msg.language_hint).language
    except Exception:  # noqa: BLE001 - the language is a nicety; the answer must still go out
        log.exception("understand failed")
        return None
    return found if found in LANGUAGES else None


def _switch_language(conv: Conversation, new: str) -> Turn:
    conv = replace(
        conv, lang=new, lang_chosen=True, pending=None if conv.pending == "language" else conv.pending
    )
    text = t(new, "OK. Language: {language}.", language=autonym(new))
    hint = t(new, 'Write what you need and where, for example: "eat Mulhouse".')
    return Turn(conv, (Reply(ReplyKind.CONFIRMATION, new, f"{text}\n{hint}"),))


async def _number(conv: Conversation, number: int, ctx: _Ctx) -> Turn:
    lang = ctx.lang
    if conv.pending == "language":
        if 1 <= number <= len(LANGUAGES):
            return _switch_language(conv, LANGUAGES[number - 1])
        return Turn(
            conv,
            (
                _notice(lang, t(lang, "Send a number between 1 and {last}.", last=len(LANGUAGES))),
                language_menu(lang),
            ),
        )
    if conv.pending in ("need", "choice") and conv.options:
        if 1 <= number <= len(conv.options):
            chosen = conv.options[number - 1]
            conv = replace(conv, need=(chosen,), pending=None, options=(), page=0, results=())
            return await _proceed(conv, ctx)
        again = (
            need_menu(lang, short=_compact(ctx))
            if conv.pending == "need"
            else need_choice(conv.options, lang)
        )
        return Turn(
            conv,
            (_notice(lang, t(lang, "Send a number between 1 and {last}.", last=len(conv.options))), again),
        )
    total = int(conv.extra.get("total", 0))
    if conv.need and conv.place and total:
        if 1 <= number <= total:
            return await _details(conv, number, ctx)
        return Turn(
            conv,
            (
                _notice(
                    lang,
                    t(
                        lang,
                        "There is no result {number}: send a number between 1 and {last}.",
                        number=number,
                        last=total,
                    ),
                ),
            ),
        )
    return Turn(
        conv,
        (
            _notice(lang, t(lang, "There is no list to choose from yet.")),
            need_menu(lang, short=_compact(ctx)),
        ),
    )


def _query(
    conv: Conversation, *, limit: int, offset: int, radius_km: float | None, filters: Filters | None = None
) -> Query:
    assert conv.place is not None
    at = datetime.fromisoformat(str(conv.extra["at"])) if "at" in conv.extra else None
    return Query(
        point=Point(conv.place[0], conv.place[1]),
        at=at or datetime.now(PARIS),
        categories=searched_categories(conv.need),
        radius_km=radius_km,
        filters=filters if filters is not None else from_json(conv.extra.get("filters")),
        limit=limit,
        offset=offset,
        enough=ENOUGH,
    )


def _venue(result: Result) -> Venue:
    return Venue(result.place_name, result.address, result.point.lat, result.point.lon)


async def _details(conv: Conversation, number: int, ctx: _Ctx) -> Turn:
    page = await ctx.deps.directory.search(_query(conv, limit=1, offset=number - 1, radius_km=conv.radius_km))
    if not page.results:
        return Turn(
            conv,
            (
                _notice(
                    ctx.lang, t(ctx.lang, "This result is no longer available. Send PLUS or another search.")
                ),
            ),
        )
    result = page.results[0]
    at = datetime.fromisoformat(str(conv.extra["at"]))
    text = details_text(result, at, ctx.now, ctx.lang, compact=_compact(ctx))
    reply = Reply(ReplyKind.DETAILS, ctx.lang, text, venues=(_venue(result),))
    return Turn(replace(conv, pending=None), (reply,))


async def _more(conv: Conversation, ctx: _Ctx) -> Turn:
    lang = ctx.lang
    if not (conv.need and conv.place and "at" in conv.extra):
        text = t(
            lang,
            'There is no search to continue yet. Tell me what you need and where, for example: "eat Mulhouse".',  # noqa: E501
        )
        return Turn(conv, (_notice(lang, text),))
    size = page_size(ctx.channel, lang)
    total = int(conv.extra.get("total", 0))
    if (conv.page + 1) * size >= total:
        text = t(
            lang,
            "That was everything within {radius}. Send a number for details, another town, or MENU.",
            radius=kilometres(conv.radius_km or 0, lang),
        )
        return Turn(conv, (_notice(lang, text),))
    return await _show_page(replace(conv, page=conv.page + 1), ctx, ())


async def _free_text(conv: Conversation, text: str, msg: Incoming, ctx: _Ctx) -> Turn:
    lang = ctx.lang
    understanding: UnderstandingLike | None = None
    if _LETTERS.search(text) or re.search(r"\d", text):
        try:
            understanding = ctx.deps.understand(text, ctx.now, language_hint=conv.lang or msg.language_hint)
        except Exception:  # noqa: BLE001 - a reader bug must not lose the message: answer with the menu
            log.exception("understand failed")
    if understanding is not None and not conv.lang_chosen and _worth_detecting(text, understanding):
        if understanding.language in LANGUAGES:
            lang = understanding.language
    conv = replace(conv, lang=lang)
    ctx = replace(ctx, lang=lang)

    needs = tuple(n.category for n in understanding.needs) if understanding else ()
    candidates = tuple(n.category for n in understanding.candidates) if understanding else ()
    filters = read_filters(text)
    alerts = read_alerts(text, needs or conv.need)
    if filters.gender == "men" and alerts.violence:
        filters = replace(filters, gender=None)  # "un homme me frappe" is said by the one hit
    if filters.animals and len(needs) > 1:
        needs = tuple(
            n for n in needs if n != "animal_assitance"
        )  # "with a dog" says who comes, not what is sought
    point: tuple[float, float, str] | None = None
    if msg.location is not None:
        point = (msg.location.lat, msg.location.lon, t(lang, "your location"))
    elif understanding is not None and understanding.place is not None:
        place = understanding.place
        point = (place.point.lat, place.point.lon, place.label)
    if msg.location is None and ctx.deps.locate is not None and (point is None or _ADDRESS.search(text)):
        street = await ctx.deps.locate(text)  # a street address reads better from a street geocoder
        if street is not None:
            point = (street.point.lat, street.point.lon, street.label)
    window = understanding.when if understanding else None
    safety = safety_replies(alerts, lang, short=_compact(ctx))

    if needs:
        conv = replace(
            _reset_search(conv),
            place=point or conv.place,
            need=needs,
            when=(window.start.isoformat(), window.end.isoformat()) if window else None,
            extra={"filters": to_json(filters)},
            pending=None,
            options=(),
        )
        return await _proceed(conv, ctx, safety)
    if point is not None:
        conv = replace(conv, place=point, page=0, results=())
        if window:
            conv = replace(conv, when=(window.start.isoformat(), window.end.isoformat()))
        if candidates:
            return _ask_choice(conv, candidates, lang, safety)
        if conv.need:
            conv = replace(conv, pending=None, extra={"filters": conv.extra.get("filters", {})})
            return await _proceed(conv, ctx, safety)
        lead = t(lang, "{place}: what do you need? Send a number or write it in your words:", place=point[2])
        return Turn(
            replace(conv, pending="need", options=tuple(c for c, _ in MAIN_NEEDS)),
            (*safety, need_menu(lang, lead, short=_compact(ctx))),
        )
    if candidates:
        return _ask_choice(conv, candidates, lang, safety)
    if filters != Filters() and conv.need and conv.place and not safety:
        # "we are two, with a dog": the same search, for the people who will come
        conv = replace(conv, extra={"filters": to_json(filters)}, pending=None)
        return await _proceed(conv, ctx)
    if safety:
        lead = t(lang, "I can also look for help near you. What do you need?")
        return Turn(
            replace(conv, pending="need", options=tuple(c for c, _ in MAIN_NEEDS)),
            (*safety, need_menu(lang, lead, short=_compact(ctx))),
        )
    if conv.pending == "place" and conv.need:
        text_ = t(lang, "I did not find this place. Send the name of a town or a postcode.")
        return Turn(conv, (_notice(lang, text_), ask_place(lang, ctx.channel)))
    if len(text) > 500:
        sorry = t(lang, "Your message is very long: send just what you need and the town.")
    else:
        sorry = t(lang, "Sorry, I did not understand.")
    return Turn(
        replace(conv, pending="need", options=tuple(c for c, _ in MAIN_NEEDS)),
        (_notice(lang, sorry), need_menu(lang, short=_compact(ctx))),
    )


def _ask_choice(
    conv: Conversation, candidates: tuple[str, ...], lang: str, safety: tuple[Reply, ...]
) -> Turn:
    options = candidates[:MAX_CHOICES]
    return Turn(replace(conv, pending="choice", options=options), (*safety, need_choice(options, lang)))


async def _proceed(conv: Conversation, ctx: _Ctx, before: tuple[Reply, ...] = ()) -> Turn:
    """A need is known: search if the place is too, else ask for it."""
    if conv.place is None:
        question = ask_place(ctx.lang, ctx.channel, need_label(conv.need, ctx.lang))
        return Turn(replace(conv, pending="place"), (*before, question))
    start = datetime.fromisoformat(conv.when[0]) if conv.when else ctx.now
    at = max(ctx.now, start)
    extra = {**conv.extra, "at": at.isoformat()}
    conv = replace(conv, page=0, radius_km=None, extra=extra, pending=None)
    if not any(r.kind is ReplyKind.SAFETY for r in before):
        before = safety_replies(read_alerts("", conv.need), ctx.lang, short=_compact(ctx)) + before
    return await _show_page(conv, ctx, before)


async def _show_page(conv: Conversation, ctx: _Ctx, before: tuple[Reply, ...]) -> Turn:
    place = conv.place
    assert place is not None
    lang, size = ctx.lang, page_size(ctx.channel, ctx.lang)
    offset = conv.page * size
    radius = conv.radius_km if conv.page else None
    page = await ctx.deps.directory.search(_query(conv, limit=size, offset=offset, radius_km=radius))
    notes: tuple[Reply, ...] = ()
    if not page.results and conv.page == 0 and from_json(conv.extra.get("filters")) != Filters():
        wider = await ctx.deps.directory.search(
            _query(conv, limit=size, offset=0, radius_km=None, filters=Filters())
        )
        if wider.results:
            page = wider
            conv = replace(conv, extra={**conv.extra, "filters": {}})
            notes = (
                _notice(
                    lang,
                    t(
                        lang,
                        "No place here says it fits all you asked (animals, couple…): here is everything nearby, call to check.",  # noqa: E501
                    ),
                ),
            )
    at = datetime.fromisoformat(str(conv.extra["at"]))
    if not page.results:
        return await _nothing_found(conv, ctx, page, before)
    later = conv.when is not None and at - ctx.now > timedelta(minutes=20)
    when = when_label(at, ctx.now, lang) if later else None
    text = results_text(
        page.results,
        offset + 1,
        page.total,
        header(conv.need, place[2], lang, when),
        at,
        ctx.now,
        lang,
        needs=conv.need,
        compact=_compact(ctx),
        short_head=header(conv.need, place[2], lang, when, short=True),
    )
    numbers = tuple(Choice(str(n), str(n)) for n in range(offset + 1, offset + len(page.results) + 1))
    more = (Choice("plus", "+"),) if offset + len(page.results) < page.total else ()
    reply = Reply(
        ReplyKind.RESULTS, lang, text, choices=numbers + more, venues=tuple(_venue(r) for r in page.results)
    )
    after = _health_emergency(conv, lang) if not any(r.state.open for r in page.results) else ()
    conv = replace(
        conv,
        radius_km=page.radius_km,
        results=tuple((r.source, r.lieu_id, r.service_id) for r in page.results),
        extra={**conv.extra, "total": page.total},
        pending=None,
    )
    log.info(
        "results categories=%s page=%d hits=%d radius_km=%.0f",
        ",".join(conv.need),
        conv.page,
        page.total,
        page.radius_km,
    )
    return Turn(conv, (*before, *notes, reply, *after))


def _health_emergency(conv: Conversation, lang: str) -> tuple[Reply, ...]:
    """Nothing open for a health need (at night, mostly): care is still there, at 15 or the ER."""
    if not is_health(conv.need):
        return ()
    return (_notice(lang, t(lang, "Medical emergency: 15 (SAMU), or the hospital emergency department.")),)


async def _nothing_found(conv: Conversation, ctx: _Ctx, page: SearchPage, before: tuple[Reply, ...]) -> Turn:
    assert conv.place is not None
    nearest_page = await ctx.deps.directory.search(
        _query(conv, limit=1, offset=0, radius_km=200, filters=Filters())
    )
    nearest = nearest_page.results[0] if nearest_page.results else None
    said_115 = any("115" in r.text for r in before if r.kind is ReplyKind.SAFETY)
    text = nothing_found_text(
        conv.need, conv.place[2], page.radius_km, nearest, ctx.lang, say_115=not said_115
    )
    conv = replace(conv, radius_km=page.radius_km, results=(), extra={**conv.extra, "total": 0})
    return Turn(conv, (*before, _notice(ctx.lang, text), *_health_emergency(conv, ctx.lang)))
