"""A need and a place known: search, show a page of results, the next page, one result's details."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from handlers.deps import Deps
from handlers.generic_needs import is_health, is_shelter, searched_categories
from handlers.i18n import distance, kilometres, t, tr
from handlers.model import Choice, Conversation, Pending, Reply, ReplyKind, Surface, Turn, Venue
from handlers.operators import relaxed_note
from handlers.pages import details_text, header, need_label, nothing_found_text, results_text, when_label
from handlers.questions import ask_place
from handlers.safety import Alerts, safety_lines
from handlers.stats import EventKind, search_event
from handlers.untrusted import defuse
from search import RADII_KM, Filters, Point, Query, Result, SearchPage, state_at

log = logging.getLogger(__name__)

ENOUGH = 10  # the first search picks a radius that holds this many results, so PLUS has more to show
NEAR_OPEN_KM = 3.0  # an open place farther than this from the place asked about is not "near" it


@dataclass(frozen=True, slots=True)
class Ctx:
    """What one turn knows besides the conversation: its dependencies, when, in which language, and
    what the channel's medium holds."""

    deps: Deps
    now: datetime
    lang: str
    surface: Surface
    walker: bool = False  # an outreach volunteer: walking times on every list
    operator: bool = False  # a registered operator or volunteer: dense lists, no "call 115" (issue 13)
    unplaced: str | None = None  # a street address the message wrote and no geocoder placed
    undocumented: bool = False  # the message says the person has no papers (handlers.filters.Who)


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
    walk: bool = True,
    beyond_km: float | None = None,
) -> Query:
    """`walk`: within the person's walking limit, if they gave one."""
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
        max_radius_km=conv.walk_km if walk else None,
        beyond_km=beyond_km,
        # "manger et médecin": each need its turn on the page (search.engine.Directory._merged).
        groups=tuple(searched_categories((need,)) for need in conv.need) if len(conv.need) > 1 else (),
    )


def _parts(conv: Conversation) -> list[tuple[float, float | None, int, int]]:
    """The list's parts: (radius, the radius of the part before, the first place's offset, places)."""
    assert conv.radius_km is not None
    last = conv.total - sum(places for _, places in conv.parts)
    found: list[tuple[float, float | None, int, int]] = []
    start, before = 0, None
    for radius, places in (*conv.parts, (conv.radius_km, last)):
        found.append((radius, before, start, places))
        start, before = start + places, radius
    return found


def seen(conv: Conversation, ctx: Ctx) -> int:
    """How many places of the list the person has seen: a number past them names a place unseen."""
    return min(conv.total, (conv.page + 1) * ctx.surface.page_size(ctx.lang))


def item_query(conv: Conversation, now: datetime, number: int) -> Query:
    """The search that finds the list's place numbered so (1 = the first), in whichever part it is."""
    parts = _parts(conv)
    radius, before, start, _ = next((p for p in parts if number - 1 < p[2] + p[3]), parts[-1])
    return query_of(conv, now, limit=1, offset=number - 1 - start, radius_km=radius, beyond_km=before)


async def _listed(conv: Conversation, ctx: Ctx, offset: int, limit: int) -> tuple[Result, ...]:
    """The list's places from `offset`, across its parts."""
    found: list[Result] = []
    for radius, before, start, places in _parts(conv):
        first, end = max(offset, start), min(offset + limit, start + places)
        if first < end:
            query = query_of(
                conv, ctx.now, limit=end - first, offset=first - start, radius_km=radius, beyond_km=before
            )
            found.extend((await ctx.deps.directory.search(query)).results)
    return tuple(found)


def _farthest(conv: Conversation) -> float:
    """How far a list may go: the largest radius, or the person's walk."""
    return min(RADII_KM[-1], conv.walk_km or RADII_KM[-1])


async def _widened(conv: Conversation, ctx: Ctx, wanted: int) -> Conversation:
    """The list, with parts farther out until it holds `wanted` places or reaches _farthest: each
    at least twice the radius before (2, 5, 10, 20, 30 km), the places beyond the last part only, so
    that the numbers already shown keep their places."""
    assert conv.radius_km is not None
    while conv.total < wanted and conv.radius_km < _farthest(conv):
        farther = next((r for r in RADII_KM if r >= 2 * conv.radius_km), RADII_KM[-1])
        farther = min(farther, _farthest(conv))
        query = query_of(conv, ctx.now, limit=1, offset=0, radius_km=farther, beyond_km=conv.radius_km)
        ring = await ctx.deps.directory.search(query)
        if ring.total:
            last = _parts(conv)[-1][3]  # the places of the part that ends here
            conv = replace(conv, parts=(*conv.parts, (conv.radius_km, last)), total=conv.total + ring.total)
        conv = replace(conv, radius_km=farther)
    return conv


def _venues(results: tuple[Result, ...]) -> tuple[Venue, ...]:
    """The map of a chosen result (a list has none: a pin per result was five more messages), but
    for places reached only on referral, whose location Soliguide keeps private."""
    return tuple(
        Venue(r.place_name, r.address, r.point.lat, r.point.lon) for r in results if not r.address_private
    )


def _as_of(
    conv: Conversation, results: tuple[Result, ...], at: datetime, now: datetime
) -> tuple[datetime, tuple[Result, ...]]:
    """The instant the words speak of, and the results' states at it: a search for "now" read an
    hour later (details, PLUS) speaks of the new now; a search for a given time keeps its time."""
    if conv.when is not None or abs(now - at) <= timedelta(minutes=1):
        return at, results
    return now, tuple(replace(r, state=state_at(r.timing, now)) for r in results)


async def details(conv: Conversation, number: int, ctx: Ctx) -> Turn:
    query = item_query(conv, ctx.now, number)
    page = await ctx.deps.directory.search(query)
    if not page.results:
        text = t(ctx.lang, "This result is no longer available. Send PLUS or another search.")
        return Turn(conv, (notice(ctx.lang, text),))
    at, (result,) = _as_of(conv, page.results, query.at, ctx.now)
    text = details_text(result, at, ctx.now, ctx.lang, surface=ctx.surface)
    reports = ctx.deps.reports
    if ctx.operator and reports is not None and (result.source, result.lieu_id) in reports.reported():
        text = f"{tr(ctx.lang, 'Reported recently: call first.')}\n{text}"  # before anything is read out
    reply = Reply(ReplyKind.DETAILS, ctx.lang, text, venues=_venues((result,)))
    event = None
    if not conv.detailed and conv.place is not None:  # the search's first details: its success, once
        event = search_event(
            EventKind.DETAILS,
            conv.need,
            query.categories,
            conv.place,
            query.at,
            ctx.now,
            ctx.lang,
            conv.filters,
        )
    return Turn(replace(conv, pending=None, detailed=True), (reply,), event=event)


async def more(conv: Conversation, ctx: Ctx) -> Turn:
    lang = ctx.lang
    if not (conv.need and conv.place and conv.at):
        text = t(
            lang,
            'There is no search to continue yet. Tell me what you need and where, for example: "eat Mulhouse".',  # noqa: E501
        )
        return Turn(conv, (notice(lang, text),))
    size = ctx.surface.page_size(lang)
    if (conv.page + 1) * size >= conv.total and conv.radius_km is not None:
        conv = await _widened(conv, ctx, (conv.page + 1) * size + 1)  # the places farther out
    if (conv.page + 1) * size >= conv.total:
        text = t(
            lang,
            "That was everything within {radius}. Send a number for details, another town, or MENU.",
            radius=kilometres(conv.radius_km or 0, lang),
        )
        return Turn(conv, (notice(lang, text),))
    return await _show_page(replace(conv, page=conv.page + 1), ctx, ())


def lines_first(lines: tuple[str, ...], replies: tuple[Reply, ...], ctx: Ctx) -> tuple[Reply, ...]:
    """Emergency lines come first, in the same message as what follows when it holds them; when they
    do not fit one message, as few messages as hold them, most urgent first."""
    if not lines:
        return replies
    chunks: list[list[str]] = [[]]
    for line in lines:
        if chunks[-1] and not ctx.surface.fits("\n".join((*chunks[-1], line)), ctx.lang):
            chunks.append([])
        chunks[-1].append(line)
    safety = tuple(Reply(ReplyKind.SAFETY, ctx.lang, "\n".join(c), alerts=tuple(c)) for c in chunks[:-1])
    last = "\n".join(chunks[-1])
    if replies and ctx.surface.fits(f"{last}\n{replies[0].text}", ctx.lang):
        first = replies[0]
        merged = replace(first, text=f"{last}\n{first.text}", alerts=tuple(chunks[-1]))
        return (*safety, merged, *replies[1:])
    return (*safety, Reply(ReplyKind.SAFETY, ctx.lang, last, alerts=tuple(chunks[-1])), *replies)


def need_lines(conv: Conversation, ctx: Ctx) -> tuple[str, ...]:
    """What a need alone calls for: 115 with a bed."""
    alerts = Alerts().for_needs(conv.need)
    return safety_lines(alerts, ctx.lang, short=ctx.surface.terse, operator=ctx.operator)


async def proceed(conv: Conversation, ctx: Ctx, lines: tuple[str, ...] | None = None) -> Turn:
    """A need is known: search if the place is too, else ask for it. `lines`: the emergency lines
    the message called for (None: those the need alone calls for)."""
    lines = need_lines(conv, ctx) if lines is None else lines
    if conv.place is None:
        question = ask_place(ctx.lang, ctx.surface.shares_location, need_label(conv.need, ctx.lang))
        return Turn(replace(conv, pending=Pending.PLACE), lines_first(lines, (question,), ctx))
    start = conv.when[0] if conv.when else ctx.now
    conv = replace(conv, page=0, radius_km=None, at=max(ctx.now, start), pending=None, detailed=False)
    turn = await _show_page(conv, ctx, lines)
    shown = turn.conversation
    assert shown.place is not None and shown.at is not None
    event = search_event(
        EventKind.SEARCH,
        shown.need,
        searched_categories(shown.need),
        shown.place,
        shown.at,
        ctx.now,
        ctx.lang,
        shown.filters,
        nothing_found=shown.total == 0,
    )
    return replace(turn, event=event)


def _suicide_kept(conv: Conversation, ctx: Ctx, lines: tuple[str, ...]) -> tuple[str, ...]:
    """Thoughts of suicide told earlier in the conversation (Conversation.suicide): 3114 heads this
    list too, in a few words, unless the message itself called for it."""
    if not conv.suicide or ctx.operator:
        return lines
    alerts = Alerts(suicide=True)
    kept = safety_lines(alerts, ctx.lang, short=True)
    if set(lines) & {*kept, *safety_lines(alerts, ctx.lang)}:
        return lines
    # after a medical emergency the message tells (15 before 3114, as safety_lines orders them)
    medical = {
        *safety_lines(Alerts(medical=True), ctx.lang),
        *safety_lines(Alerts(medical=True), ctx.lang, short=True),
    }
    first = next((i for i, line in enumerate(lines) if line not in medical), len(lines))
    return (*lines[:first], *kept, *lines[first:])


async def _show_page(conv: Conversation, ctx: Ctx, lines: tuple[str, ...]) -> Turn:
    lines = _suicide_kept(conv, ctx, lines)
    place = conv.place
    assert place is not None and conv.at is not None
    lang, size = ctx.lang, ctx.surface.page_size(ctx.lang)
    offset = conv.page * size
    if conv.page:  # the list goes on, across its parts (PLUS: more() widened it if needed)
        conv = await _widened(conv, ctx, offset + size)
        assert conv.radius_km is not None
        page = SearchPage(await _listed(conv, ctx, offset, size), conv.radius_km, conv.total)
    else:
        page = await ctx.deps.directory.search(query_of(conv, ctx.now, limit=size, offset=0, radius_km=None))
    note: tuple[str, ...] = ()
    # Nothing takes the dog (or is free, or wheelchair-accessible): the places that would take the
    # person, to call and ask; who they are for is never relaxed (no women-only shelter for a couple).
    relaxed = replace(
        conv.filters, free=False, no_appointment=False, no_referral=False, animals=False, wheelchair=False
    )
    if not page.results and conv.page == 0 and relaxed != conv.filters:
        wider = await ctx.deps.directory.search(
            query_of(conv, ctx.now, limit=size, offset=0, radius_km=None, filters=relaxed)
        )
        if wider.results:
            page = wider
            conv = replace(conv, filters=relaxed)
            note = (
                relaxed_note(lang)
                if ctx.operator
                else t(
                    lang,
                    "No place here says it takes all you asked (animals, free, wheelchair): here are the others nearby, call to check.",  # noqa: E501
                ),
            )
    if not page.results and conv.page == 0 and conv.walk_km is not None:
        # Nothing within the walk: the nearest beyond it, said to be beyond, rather than nothing at all.
        beyond = await ctx.deps.directory.search(
            query_of(conv, ctx.now, limit=size, offset=0, radius_km=None, walk=False)
        )
        if beyond.results:
            page = beyond
            far = kilometres(conv.walk_km, lang)
            note = (t(lang, "Nothing within {radius} on foot. The nearest, farther away:", radius=far),)
    if not page.results:
        return await _nothing_found(conv, ctx, page, lines)
    assert conv.at is not None
    at, results = _as_of(conv, page.results, conv.at, ctx.now)
    away = conv.when is not None and abs(at - ctx.now) > timedelta(minutes=20)  # "À 12h :", "Demain :"
    when = when_label(at, ctx.now, lang) if away else None

    farther = page.radius_km < _farthest(conv)  # PLUS goes on past the radius, places beyond it

    def page_text(lead: tuple[str, ...], *, readable: bool = False) -> str:
        return results_text(
            results,
            offset + 1,
            page.total,
            header(conv.need, place[2], lang, when),
            at,
            ctx.now,
            lang,
            needs=conv.need,
            surface=ctx.surface,
            short_head=header(conv.need, place[2], lang, when, short=True),
            lead=lead,
            walking=ctx.walker or conv.walk_km is not None,
            dense=ctx.operator,
            reported=ctx.deps.reports.reported() if ctx.operator and ctx.deps.reports else frozenset(),
            farther=farther,
            readable=readable,
        )

    if not note and offset == 0 and not away:
        note = _nothing_open_near(results, place[2], lang, filtered=conv.filters != Filters())
    if ctx.unplaced is not None:  # "(210 m)" from the town's centre must not read as from the street
        where = t(
            lang,
            "I could not find {address} on the map: distances are from the centre of {place}.",
            address=defuse(ctx.unplaced),
            place=place[2],
        )
        note = (where, *note)
    if offset == 0 and not ctx.operator and ctx.undocumented and is_shelter(conv.need):
        # "sans papiers, je peux aller au 115 sans me faire arrêter ?" (persona trial, 2026-12-06): the
        # emergency shelter is unconditional (Code de l'action sociale, L345-2-2)
        note = (*note, t(lang, "Emergency shelter is for everyone, with or without papers."))
    numbers = tuple(Choice(str(n), str(n)) for n in range(offset + 1, offset + len(results) + 1))
    plus = (Choice("plus", "+"),) if offset + len(results) < page.total or farther else ()
    # The emergency lines and the page in one message, unless the names would be cut past reading
    # ("Foyer Le Si…") or "sur orientation" left out: then in two, the page whole enough to use.
    text = page_text((*lines, *note), readable=bool(lines))
    replies: tuple[Reply, ...]
    if ctx.surface.fits(text, lang):  # the emergency lines and the page in one message
        replies = (Reply(ReplyKind.RESULTS, lang, text, choices=numbers + plus, alerts=lines),)
    else:
        page_reply = Reply(ReplyKind.RESULTS, lang, page_text(note), choices=numbers + plus)
        replies = lines_first(lines, (page_reply,), ctx)
    # Nothing open for a health need: 15 or the ER, unless the emergency lines above said it already.
    said = any("112" in line for line in lines)
    # Said with the first page only: each SMS of PLUS costs the person (or the service) money.
    nothing_open = not any(r.state.open for r in results)
    after = _health_emergency(conv, lang) if not said and offset == 0 and nothing_open else ()
    if not conv.page:
        conv = replace(conv, radius_km=page.radius_km, total=page.total, parts=())
    conv = replace(conv, pending=None)
    log.info(
        "results categories=%s page=%d hits=%d radius_km=%.0f",
        ",".join(conv.need),
        conv.page,
        page.total,
        page.radius_km,
    )
    return Turn(conv, (*replies, *after))


def _nothing_open_near(
    results: tuple[Result, ...], place: str, lang: str, *, filtered: bool
) -> tuple[str, ...]:
    """When the open places listed are all far ("Frigo solidaire, 26 km" first for "manger Colmar" at
    night), said plainly before the list: nothing is open near the place now; `filtered` (who is
    asking, a dog, "sans orientation"): nothing that fits them, for others may be open there."""
    open_far = [r.distance_m for r in results if r.state.open]
    if not open_far or min(open_far) <= NEAR_OPEN_KM * 1000:
        return ()
    if filtered:
        text = t(
            lang,
            "Nothing within {radius} of {place} that fits what you said is open now. The nearest open one is {distance} away.",  # noqa: E501
            radius=kilometres(NEAR_OPEN_KM, lang),
            place=place,
            distance=distance(min(open_far), lang),
        )
    else:
        text = t(
            lang,
            "Nothing is open within {radius} of {place} now. The nearest open place is {distance} away.",
            radius=kilometres(NEAR_OPEN_KM, lang),
            place=place,
            distance=distance(min(open_far), lang),
        )
    return (text,)


def _health_emergency(conv: Conversation, lang: str) -> tuple[Reply, ...]:
    """Nothing open for a health need (at night, mostly): care is still there, at 15 or the ER."""
    if not is_health(conv.need):
        return ()
    return (notice(lang, t(lang, "Medical emergency: 15 (SAMU), or the hospital emergency department.")),)


NEAREST_AMONG = 100  # places read for the nearest beyond the radius (a rare need: far fewer there)


async def _nothing_found(conv: Conversation, ctx: Ctx, page: SearchPage, lines: tuple[str, ...]) -> Turn:
    assert conv.place is not None
    # The nearest by distance: a page ranks open places first, so its first place may be a farther
    # one (a vet open 97 km away named "the nearest" before one closed now 40 km away).
    nearest_page = await ctx.deps.directory.search(
        query_of(conv, ctx.now, limit=NEAREST_AMONG, offset=0, radius_km=200, filters=Filters())
    )
    nearest = min(nearest_page.results, key=lambda r: r.distance_m, default=None)
    said_115 = any("115" in line for line in lines)
    text = nothing_found_text(
        conv.need, conv.place[2], page.radius_km, nearest, ctx.lang, say_115=not (said_115 or ctx.operator)
    )
    conv = replace(conv, radius_km=page.radius_km, total=0, parts=())
    replies = lines_first(lines, (notice(ctx.lang, text),), ctx)
    return Turn(conv, (*replies, *_health_emergency(conv, ctx.lang)))
