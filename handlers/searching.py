"""A need and a place known: search, show a page of results, the next page, one result's details."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from handlers.deps import Deps
from handlers.generic_needs import is_health, searched_categories
from handlers.i18n import kilometres, t
from handlers.model import Choice, Conversation, Pending, Reply, ReplyKind, Surface, Turn, Venue
from handlers.pages import details_text, header, need_label, nothing_found_text, results_text, when_label
from handlers.questions import ask_place
from handlers.safety import read_alerts, safety_replies
from search import Filters, Point, Query, Result, SearchPage

log = logging.getLogger(__name__)

ENOUGH = 10  # the first search picks a radius that holds this many results, so PLUS has more to show


@dataclass(frozen=True, slots=True)
class Ctx:
    """What one turn knows besides the conversation: its dependencies, when, in which language, and
    what the channel's medium holds."""

    deps: Deps
    now: datetime
    lang: str
    surface: Surface


def notice(lang: str, text: str) -> Reply:
    return Reply(ReplyKind.NOTICE, lang, text)


def query_of(
    conv: Conversation,
    now: datetime,
    *,
    limit: int,
    offset: int,
    radius_km: float | None,
    filters: Filters | None = None,
) -> Query:
    assert conv.place is not None
    return Query(
        point=Point(conv.place[0], conv.place[1]),
        at=conv.at or now,
        categories=searched_categories(conv.need),
        radius_km=radius_km,
        filters=conv.filters if filters is None else filters,
        limit=limit,
        offset=offset,
        enough=ENOUGH,
    )


def _venue(result: Result) -> Venue:
    return Venue(result.place_name, result.address, result.point.lat, result.point.lon)


async def details(conv: Conversation, number: int, ctx: Ctx) -> Turn:
    query = query_of(conv, ctx.now, limit=1, offset=number - 1, radius_km=conv.radius_km)
    page = await ctx.deps.directory.search(query)
    if not page.results:
        text = t(ctx.lang, "This result is no longer available. Send PLUS or another search.")
        return Turn(conv, (notice(ctx.lang, text),))
    result = page.results[0]
    text = details_text(result, query.at, ctx.now, ctx.lang, surface=ctx.surface)
    reply = Reply(ReplyKind.DETAILS, ctx.lang, text, venues=(_venue(result),))
    return Turn(replace(conv, pending=None), (reply,))


async def more(conv: Conversation, ctx: Ctx) -> Turn:
    lang = ctx.lang
    if not (conv.need and conv.place and conv.at):
        text = t(
            lang,
            'There is no search to continue yet. Tell me what you need and where, for example: "eat Mulhouse".',  # noqa: E501
        )
        return Turn(conv, (notice(lang, text),))
    size = ctx.surface.page_size(lang)
    if (conv.page + 1) * size >= conv.total:
        text = t(
            lang,
            "That was everything within {radius}. Send a number for details, another town, or MENU.",
            radius=kilometres(conv.radius_km or 0, lang),
        )
        return Turn(conv, (notice(lang, text),))
    return await _show_page(replace(conv, page=conv.page + 1), ctx, ())


async def proceed(conv: Conversation, ctx: Ctx, before: tuple[Reply, ...] = ()) -> Turn:
    """A need is known: search if the place is too, else ask for it."""
    if conv.place is None:
        question = ask_place(ctx.lang, ctx.surface.shares_location, need_label(conv.need, ctx.lang))
        return Turn(replace(conv, pending=Pending.PLACE), (*before, question))
    start = conv.when[0] if conv.when else ctx.now
    conv = replace(conv, page=0, radius_km=None, at=max(ctx.now, start), pending=None)
    if not any(r.kind is ReplyKind.SAFETY for r in before):
        before = safety_replies(read_alerts("", conv.need), ctx.lang, short=ctx.surface.terse) + before
    return await _show_page(conv, ctx, before)


async def _show_page(conv: Conversation, ctx: Ctx, before: tuple[Reply, ...]) -> Turn:
    place = conv.place
    assert place is not None and conv.at is not None
    lang, size = ctx.lang, ctx.surface.page_size(ctx.lang)
    offset = conv.page * size
    radius = conv.radius_km if conv.page else None
    page = await ctx.deps.directory.search(
        query_of(conv, ctx.now, limit=size, offset=offset, radius_km=radius)
    )
    notes: tuple[Reply, ...] = ()
    if not page.results and conv.page == 0 and conv.filters != Filters():
        wider = await ctx.deps.directory.search(
            query_of(conv, ctx.now, limit=size, offset=0, radius_km=None, filters=Filters())
        )
        if wider.results:
            page = wider
            conv = replace(conv, filters=Filters())
            notes = (
                notice(
                    lang,
                    t(
                        lang,
                        "No place here says it fits all you asked (animals, couple…): here is everything nearby, call to check.",  # noqa: E501
                    ),
                ),
            )
    if not page.results:
        return await _nothing_found(conv, ctx, page, before)
    at = conv.at
    assert at is not None
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
        surface=ctx.surface,
        short_head=header(conv.need, place[2], lang, when, short=True),
    )
    numbers = tuple(Choice(str(n), str(n)) for n in range(offset + 1, offset + len(page.results) + 1))
    plus = (Choice("plus", "+"),) if offset + len(page.results) < page.total else ()
    reply = Reply(
        ReplyKind.RESULTS, lang, text, choices=numbers + plus, venues=tuple(_venue(r) for r in page.results)
    )
    after = _health_emergency(conv, lang) if not any(r.state.open for r in page.results) else ()
    conv = replace(conv, radius_km=page.radius_km, total=page.total, pending=None)
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
    return (notice(lang, t(lang, "Medical emergency: 15 (SAMU), or the hospital emergency department.")),)


async def _nothing_found(conv: Conversation, ctx: Ctx, page: SearchPage, before: tuple[Reply, ...]) -> Turn:
    assert conv.place is not None
    nearest_page = await ctx.deps.directory.search(
        query_of(conv, ctx.now, limit=1, offset=0, radius_km=200, filters=Filters())
    )
    nearest = nearest_page.results[0] if nearest_page.results else None
    said_115 = any("115" in r.text for r in before if r.kind is ReplyKind.SAFETY)
    text = nothing_found_text(
        conv.need, conv.place[2], page.radius_km, nearest, ctx.lang, say_115=not said_115
    )
    conv = replace(conv, radius_km=page.radius_km, total=0)
    return Turn(conv, (*before, notice(ctx.lang, text), *_health_emergency(conv, ctx.lang)))
