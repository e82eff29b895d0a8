"""A printed list for a street round: the places of one commune for a few needs, grouped by need, each
with what a volunteer reads out on the pavement (address, state at the round's hour, hours, phone,
conditions), in the volunteer's language. Only the words; bot/printable.py lays them out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import locales
from handlers.audience import audience_line, condition_lines
from handlers.deps import Searcher
from handlers.generic_needs import searched_categories
from handlers.i18n import capitalized, clock, join, long_date, t, weekday
from handlers.opening import closure_lines, describe, hours_in_force
from handlers.pages import is_stale, need_label, noted, title
from handlers.untrusted import defuse
from search import PARIS, Point, Query, Result

RADIUS_KM = 15.0  # around the commune's centre: the largest French communes fit (Arles is the exception)
PAGE = 100  # the engine's largest page


@dataclass(frozen=True, slots=True)
class SheetPlace:
    name: str
    address: str  # the street, or "on referral" for a place whose address is private
    state: str  # at the round's hour: "ouvert jusqu'à 21h", "fermé, ouvre demain à 9h"
    open: bool
    hours: tuple[str, ...]
    phones: str  # "Tél. : 03 89 …", or ""
    notes: tuple[str, ...]  # closures, conditions, who it is for
    checked: str  # "Infos vérifiées le 3 mars 2026." or "" when unknown
    stale: bool


@dataclass(frozen=True, slots=True)
class SheetGroup:
    label: str
    places: tuple[SheetPlace, ...]


@dataclass(frozen=True, slots=True)
class Sheet:
    """Every word of the printed list, in `lang`."""

    lang: str
    direction: str  # ltr | rtl
    title: str
    when: str
    printed: str
    freshness: str
    legend: tuple[str, ...]
    groups: tuple[SheetGroup, ...]
    nothing: str  # said under a need with no place in the commune


async def _services(
    directory: Searcher, point: Point, categories: tuple[str, ...], at: datetime
) -> list[Result]:
    found: list[Result] = []
    offset = 0
    while True:
        page = await directory.search(
            Query(point, at, categories, radius_km=RADIUS_KM, limit=PAGE, offset=offset)
        )
        found.extend(page.results)
        offset += len(page.results)
        if not page.results or offset >= page.total:
            return found


def _place(result: Result, at: datetime, now: datetime, lang: str) -> SheetPlace:
    if result.address_private:
        address = t(
            lang,
            "Address given on referral only ({place}): ask a social worker to refer you.",
            place=" ".join(p for p in (defuse(result.postal_code), defuse(result.city)) if p),
        )
    else:
        address = noted(defuse(result.address) or defuse(result.city), result)
    notes = (
        *closure_lines(result.timing, at, lang),
        *condition_lines(result.conditions, lang),
        *((line,) if (line := audience_line(result.audience, lang)) else ()),
    )
    numbers = [phone for phone in map(defuse, result.phones) if phone]
    checked = ""
    if result.verified_at is not None:
        checked = t(lang, "Information checked on {date}.", date=long_date(result.verified_at.date(), lang))
        checked = checked.replace("..", ".")
    return SheetPlace(
        name=title(result, (), lang),
        address=address,
        state=capitalized(describe(result.state, at, lang, now=now), lang),
        open=result.state.open is True,
        hours=tuple(line.strip() for line in hours_in_force(result.timing, at, lang, compact=True)),
        phones=t(lang, "Phone: {phone}", phone=join(numbers, lang)) if numbers else "",
        notes=notes,
        checked=checked,
        stale=is_stale(result, now),
    )


async def round_sheet(
    directory: Searcher,
    *,
    point: Point,
    commune: str,
    needs: Sequence[str],
    inside: Callable[[Result], bool],
    at: datetime,
    now: datetime,
    lang: str,
) -> Sheet:
    """The places `inside` the commune for each need, open at `at` first, then by name.

    Args:
        point: the commune's centre; the search reaches RADIUS_KM around it and `inside` keeps the
            commune's own places.
        commune: its name as printed, "Mulhouse (68)".
    """
    at, now = at.astimezone(PARIS), now.astimezone(PARIS)
    groups = []
    oldest: datetime | None = None
    for need in needs:
        results = [
            r for r in await _services(directory, point, searched_categories((need,)), at) if inside(r)
        ]
        results.sort(key=lambda r: (r.state.open is not True, title(r, (), lang).casefold()))
        for r in results:
            if r.verified_at is not None and (oldest is None or r.verified_at < oldest):
                oldest = r.verified_at
        groups.append(SheetGroup(need_label((need,), lang), tuple(_place(r, at, now, lang) for r in results)))
    day = f"{capitalized(weekday(at, lang), lang)} {long_date(at.date(), lang)}"
    freshness = (
        t(lang, "Oldest information on this list: checked on {date}.", date=long_date(oldest.date(), lang))
        if oldest is not None
        else t(lang, "No place on this list says when its information was checked.")
    )
    return Sheet(
        lang=lang,
        direction=locales.info(lang).direction,
        title=t(
            lang,
            "Street round: {needs} in {commune}",
            needs=need_label(tuple(needs), lang),
            commune=defuse(commune),
        ),
        when=t(lang, "{day}, at {time}", day=day, time=clock(at.time(), lang)),
        printed=t(
            lang,
            "Printed on {date} at {time}.",
            date=long_date(now.date(), lang),
            time=clock(now.time(), lang),
        ),
        freshness=freshness,
        legend=(
            t(lang, "● open at the time of the round; ○ closed or hours unknown: call first."),
            t(lang, "⚠ information over 6 months old: call before sending someone."),
            t(lang, "Emergency shelter: 115 (free, 24/7). Medical emergency: 15."),
        ),
        groups=tuple(groups),
        nothing=t(lang, "No place in this commune."),
    )
