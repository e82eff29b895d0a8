"""The answers that show services: a page of results, one result's details, and "nothing found"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from handlers.audience import audience_line, audience_marker, condition_lines, language_names
from handlers.generic_needs import is_shelter
from handlers.i18n import capitalized, clock, day_month, distance, join, kilometres, long_date, t, tr, weekday
from handlers.model import Surface
from handlers.opening import closure_lines, describe, hours_in_force
from handlers.operators import to
from handlers.outreach import walking_distance
from handlers.terms import fold_message
from handlers.untrusted import defuse
from search import PARIS, Result, taxonomy

STALE = timedelta(days=183)  # "over 6 months": the data may have changed, the person should call first
FAR_KM = 3.0  # beyond a walk: a list line without the address says the place's town
_NOTE_BEFORE = 9  # on SMS, an address's note is tried before the week's hours (details_text's ranks)


def need_label(categories: tuple[str, ...], lang: str) -> str:
    tax = taxonomy().by_id
    labels = [tax[c].label(lang) for c in categories if c in tax]
    return join(labels, lang) if labels else t(lang, "services")


def when_label(start: datetime, now: datetime, lang: str) -> str:
    """ "Tonight around 7pm": said in the header whenever the search is not about right now."""
    start, now = start.astimezone(PARIS), now.astimezone(PARIS)
    at = clock(start.time(), lang)
    days = (start.date() - now.date()).days
    if days == 0:
        return (
            t(lang, "Tonight around {time}", time=at)
            if start.hour >= 18
            else t(lang, "Today around {time}", time=at)
        )
    if days == 1:
        return t(lang, "Tomorrow around {time}", time=at)
    # A week or more ahead ("le 1er janvier", "25/12"): the date too, a weekday alone is next week's
    day = weekday(start, lang) if days < 7 else f"{weekday(start, lang)} {day_month(start, lang)}"
    return t(lang, "{day} around {time}", day=day, time=at)


def header(
    categories: tuple[str, ...], place: str, lang: str, when: str | None, *, short: bool = False
) -> str:
    """ "Dimanche vers 8h – Vêtements près de Strasbourg (67) :"; `short` leaves the place out. The
    place is a geocoder's label, which a remote geocoder writes: it is defused like the directory's."""
    need = need_label(categories, lang)
    place = defuse(place)
    what = f"{need}:" if short else t(lang, "{need} near {place}:", need=need, place=place)
    return capitalized(t(lang, "{when}: {what}", when=when, what=what) if when else what, lang)


def short_address(result: Result) -> str:
    """ "21 Rue du Vignoble, Illzach": the postcode says little to someone on foot. A place reached
    only on referral shows its commune alone, as Soliguide does."""
    city = defuse(result.city)
    if result.address_private:
        return city
    address = defuse(result.address) or city
    postal_code = defuse(result.postal_code)
    if postal_code:
        address = address.replace(f"{postal_code} ", "")
    return address


def noted(address: str, result: Result) -> str:
    """The address with its note ("3e porte sur la droite", an itinerary stop's meeting point), as
    Soliguide shows them: "1 Rue Montmartre, Paris – 3e porte sur la droite". Details only: a list
    line has no room for it. A place reached on referral shows neither."""
    note = "" if result.address_private else defuse(result.address_note)
    return f"{address} – {note}" if address and note else address


def _street(result: Result) -> str:
    """The address on a list line: none for a private one, whose commune stands for its distance."""
    return "" if result.address_private else short_address(result)


def _town_of_far(result: Result) -> str:
    """The commune of a place beyond a walk (FAR_KM), for a list line that has no room for its address;
    a private address already shows its commune instead of a distance."""
    if result.address_private or result.distance_m <= FAR_KM * 1000:
        return ""
    return defuse(result.city)


def how_far(result: Result, lang: str, *, walking: bool = False) -> str:
    """ "350 m", or "1,2 km · 20 min à pied" for someone on foot; for a place whose address is
    private, its commune only: distances from a few shared locations would point at a women's shelter
    to within metres."""
    city = defuse(result.city)
    if result.address_private and city:
        return city
    return walking_distance(result.distance_m, lang) if walking else distance(result.distance_m, lang)


def is_stale(result: Result, now: datetime) -> bool:
    verified = result.verified_at
    if verified is None:
        return True
    if verified.tzinfo is None:
        verified = verified.replace(tzinfo=UTC)
    return now - verified > STALE


def _says_more(what: str, place: str) -> bool:
    folded = fold_message(what)
    return bool(folded) and folded not in fold_message(place)


def _name(result: Result, needs: tuple[str, ...], lang: str) -> str:
    """The place, plus what the service is when the place's name does not already say it:
    "Sanisette — Rue du 11 Novembre – Eau potable" answers "manger" with water, not a meal."""
    tax = taxonomy().by_id
    what = defuse(result.service_name or "")
    if not what and result.category not in needs and result.category in tax:
        what = tax[result.category].label(lang)
    name = defuse(result.place_name)
    if what and _says_more(what, name):
        name = f"{name} – {what}"
    return name


def title(result: Result, needs: tuple[str, ...], lang: str, size: int | None = None) -> str:
    """The name (cut to `size` characters) and who the place is only for, which is never cut:
    "Foyer Sainte-Catherine – Hébergement… (femmes)"."""
    return _titled(_name(result, needs, lang), audience_marker(result.audience, lang), size)


def _titled(name: str, marker: str | None, size: int | None) -> str:
    if size is not None:
        name = _shortened(name, size)
    return f"{name} ({marker})" if marker else name


def _line(
    number: int,
    name: str,
    result: Result,
    at: datetime,
    now: datetime,
    lang: str,
    *,
    brief: bool = False,
    walking: bool = False,
) -> str:
    return t(
        lang,
        "{number}. {name} ({distance}) – {state}",
        number=number,
        name=name,
        distance=how_far(result, lang, walking=walking),
        state=describe(result.state, at, lang, now=now, brief=brief, phone=bool(result.phone)),
    )


def result_lines(
    number: int,
    result: Result,
    at: datetime,
    now: datetime,
    lang: str,
    needs: tuple[str, ...] = (),
    *,
    walking: bool = False,
) -> list[str]:
    lines = [
        _with_access(
            _line(number, title(result, needs, lang), result, at, now, lang, walking=walking), result, lang
        )
    ]
    contact = _street(result)
    phone = defuse(result.phone or "")
    if phone:
        contact = f"{contact} · {phone}" if contact else phone
    if contact:
        lines.append(f"   {contact}")
    if is_stale(result, now):
        lines.append("   " + t(lang, "Old info: call first."))
    return lines


# How a place is entered and how busy it is, in a word or two for a list line: "ouvert" alone reads as
# "walk in now", and an appointment-only food voucher is no lunch at noon (issue 13).
_ACCESS = {  # the most restrictive first
    "referral": "on referral",
    "appointment": "on appointment",
    "registration": "registration needed",
    "price": "paid",
}
_SATURATION = {"HIGH": "very busy", "MEDIUM": "busy", "MODERATE": "busy"}


def access_labels(result: Result, lang: str, *, saturation: bool = True) -> list[str]:
    """ "sur orientation", "sur RDV", "payant", "forte affluence": what stops someone walking in."""
    kinds = {kind for kind, _ in result.conditions}
    labels = [to(lang, label) for kind, label in _ACCESS.items() if kind in kinds]
    if saturation and result.saturation in _SATURATION:
        labels.append(to(lang, _SATURATION[result.saturation]))
    return labels


def notice_label(result: Result, lang: str) -> tuple[str, ...]:
    """ "avis : voir le détail" on a list line when the place has a temporary message for the time
    asked: "ouvert jusqu'à 12h" must not hide "la permanence du vendredi est suspendue"."""
    return (to(lang, "notice: see details"),) if result.temp_message else ()


def _with_access(line: str, result: Result, lang: str, *, most: int | None = None) -> str:
    """The public's list line with how the place is entered ("sur rendez-vous"), `most` of its words,
    and its temporary notice: "ouvert" must not read as "walk in now" for a place that takes people
    on appointment or referral."""
    return " · ".join(
        (line, *access_labels(result, lang, saturation=False)[:most], *notice_label(result, lang))
    )


def dense_line(
    number: int,
    result: Result,
    at: datetime,
    now: datetime,
    lang: str,
    needs: tuple[str, ...] = (),
    *,
    walking: bool = False,
    reported: bool = False,
) -> str:
    """One place on one line an operator reads out or copies whole: name, distance, state, street,
    phone, then the access conditions and how busy it is, and whether someone reported it wrong."""
    first = _line(number, title(result, needs, lang), result, at, now, lang, brief=True, walking=walking)
    parts = [
        first,
        _street(result),
        defuse(result.phone or ""),
        *access_labels(result, lang),
        *notice_label(result, lang),
    ]
    if reported:  # "le 3 est fermé", said since a person last checked the place (handlers/reporting.py)
        parts.append(tr(lang, "Reported recently: call first."))
    if is_stale(result, now):
        parts.append(t(lang, "Old info: call first."))
    return " · ".join(part for part in parts if part)


def _shortened(name: str, size: int) -> str:
    return name if len(name) <= size else name[: max(1, size - 1)].rstrip(" –-,") + "…"


def _compact_lines(
    first: int,
    results: tuple[Result, ...],
    at: datetime,
    now: datetime,
    lang: str,
    needs: tuple[str, ...],
    walking: bool = False,
) -> Callable[[int, bool, bool, bool], list[str]]:
    """Name, distance, state and phone; the address only when there is room, else in the details.
    Everything but the name's length is formatted once: the caller tries sizes until the page fits."""
    parts = []
    for index, result in enumerate(results):
        parts.append(
            (
                first + index,
                how_far(result, lang, walking=walking),
                describe(result.state, at, lang, now=now, brief=True),
                _name(result, needs, lang),
                audience_marker(result.audience, lang, preferred=False),
                # as _with_access(…, most=1)
                [*access_labels(result, lang, saturation=False)[:1], *notice_label(result, lang)],
                _street(result),
                defuse(result.phone or ""),
                _town_of_far(result),
            )
        )

    def lines(size: int, with_address: bool, access: bool, phones: bool) -> list[str]:
        out: list[str] = []
        for number, far, state, name, marker, entry, street, phone, town in parts:
            line = t(
                lang,
                "{number}. {name} ({distance}) – {state}",
                number=number,
                name=_titled(name, marker, size),
                # Without its address, a place beyond a walk says its town: "(22 km)" alone sends no one.
                distance=" · ".join((far, town)) if town and not (with_address and street) else far,
                state=state,
            )
            out.append(" · ".join((line, *entry)) if access else line)
            contact = [street] if with_address and street else []
            if phone and phones:
                contact.append(phone.replace(" ", ""))
            if contact:
                out.append("   " + " · ".join(contact))
        return out

    return lines


def results_text(
    results: tuple[Result, ...],
    first: int,
    total: int,
    head: str,
    at: datetime,
    now: datetime,
    lang: str,
    *,
    needs: tuple[str, ...] = (),
    surface: Surface,
    short_head: str | None = None,
    lead: tuple[str, ...] = (),
    walking: bool = False,
    dense: bool = False,
    reported: frozenset[tuple[str, int]] = frozenset(),
    farther: bool = False,
    readable: bool = False,
) -> str:
    """A page of results under `lead` (emergency lines, a note), which is never cut. On a terse
    surface (SMS) names are shortened, then the addresses go (the details have them), then `head`
    gives way to `short_head`, until the page fits one message. `farther`: PLUS may find places
    beyond the list's radius. `readable`: names are not cut under 24 characters nor how a place is
    entered left out (the page may then not fit one message)."""
    more = first - 1 + len(results) < total or farther
    compact = surface.terse
    if compact:
        footer = t(lang, "PLUS: more. A number: details.") if more else t(lang, "A number: details.")
    else:
        footer = (
            t(lang, "PLUS for more, a number for details.") if more else t(lang, "Send a number for details.")
        )
    if dense and not compact:  # an operator's list: one copyable line a place
        lines = [*lead, head]
        lines.extend(
            dense_line(
                first + index,
                result,
                at,
                now,
                lang,
                needs,
                walking=walking,
                reported=(result.source, result.lieu_id) in reported,
            )
            for index, result in enumerate(results)
        )
        return "\n".join([*lines, footer])
    if not compact:
        lines = [*lead, head]
        for index, result in enumerate(results):
            lines.extend(result_lines(first + index, result, at, now, lang, needs, walking=walking))
        return "\n".join([*lines, footer])
    text = ""
    compact_lines = _compact_lines(first, results, at, now, lang, needs, walking)
    # What gives way first: the ends of the names (down to 24 characters), then the addresses (the
    # details have them), then the place in the header (it says what the bot understood), then more
    # of the names.
    # How the place is entered ("sur orientation", its most restrictive word only) goes last of all,
    # after the phones (the details have them): a family walking to a place that takes no one
    # without a social worker's referral loses more than a message asking for its number.
    layouts = (
        (True, head, 24, True, True),
        (False, head, 24, True, True),
        (False, short_head or head, 12, True, True),
        (False, short_head or head, 12, True, False),
        (False, short_head or head, 12, False, False),
    )
    for with_address, heading, smallest, access, phones in layouts:
        if readable and not (access and phones):
            continue
        if readable:
            smallest = max(smallest, 24)
        for size in range(60, smallest - 1, -2):
            text = "\n".join([*lead, heading, *compact_lines(size, with_address, access, phones), footer])
            if surface.fits(text, lang):
                return text
    return text


def osm_link(result: Result) -> str:
    return f"https://www.openstreetmap.org/directions?to={result.point.lat:.5f},{result.point.lon:.5f}"


def details_text(result: Result, at: datetime, now: datetime, lang: str, *, surface: Surface) -> str:
    """Everything about one result, true at `at`: the hours in force, a closure and its reason. On a
    terse surface (SMS) it keeps what gets someone there first (directions, phone, state, address),
    and drops the rest from the least useful up until one message holds it. A place reached only on
    referral shows its commune and how to be referred, never a street address or a map link."""
    compact = surface.terse
    name = title(result, (), lang, 60 if compact else None)
    if result.address_private:
        place = " ".join(p for p in (defuse(result.postal_code), defuse(result.city)) if p)
        address = t(
            lang, "Address given on referral only ({place}): ask a social worker to refer you.", place=place
        )
        link = None
    else:
        whole = noted(defuse(result.address) or defuse(result.city), result)
        address = t(lang, "Address: {address}", address=whole)
        link = t(lang, "Directions: {link}", link=osm_link(result))
    numbers = [phone for phone in map(defuse, result.phones) if phone]
    phones = t(lang, "Phone: {phone}", phone=join(numbers, lang)) if numbers else None
    state = describe(result.state, at, lang, now=now, phone=bool(numbers))
    if at - now > timedelta(minutes=20) or now - at > timedelta(minutes=20):
        state_line = t(lang, "{when}: {what}", when=capitalized(when_label(at, now, lang), lang), what=state)
    else:
        state_line = t(lang, "Now: {state}", state=state)
    mobile = t(lang, "Mobile service: the place changes, call first.") if result.itinerary else None
    closures = list(closure_lines(result.timing, at, lang))
    hours = list(hours_in_force(result.timing, at, lang, compact=compact))
    temp_message = defuse(result.temp_message or "")
    message = t(lang, "Message: {text}", text=temp_message) if temp_message else None
    conditions = condition_lines(result.conditions, lang)
    who = audience_line(result.audience, lang)
    spoken = language_names(result.languages, lang)
    languages = t(lang, "Languages spoken: {languages}", languages=spoken) if spoken else None
    checked = None
    if result.verified_at is not None:
        checked = t(lang, "Information checked on {date}.", date=long_date(result.verified_at.date(), lang))
        checked = checked.replace("..", ".")  # some locales end a long date with "г." or "р."
    stale = t(lang, "Info over 6 months old, call before going.") if is_stale(result, now) else None
    if not compact:
        lines = [name, address, phones, state_line, *closures, mobile, *hours, message, *conditions, who]
        return "\n".join(line for line in [*lines, languages, checked, stale, link] if line)
    first_phone = t(lang, "Phone: {phone}", phone=numbers[0]) if numbers else None
    street = (
        address if result.address_private else t(lang, "Address: {address}", address=short_address(result))
    )
    noted_street = t(lang, "Address: {address}", address=noted(short_address(result), result))
    # In order of use: each block is kept only while the whole still fits. The street address comes
    # before the map link: an SMS is often read on a phone with no data plan. Its note ("3e porte sur
    # la droite") joins it once what says whether to go at all has had its room, before the hours.
    ranked: list[tuple[int, list[str]]] = [
        (0, [name]),
        (1, [first_phone] if first_phone else []),
        (2, [state_line]),
        (3, [street]),
        (4, [link] if link else []),
        (5, [mobile] if mobile else []),
        (6, closures),
        (7, [stale] if stale else []),
        (8, [message] if message else []),
        (9, hours),
        (10, [who] if who else []),
        (11, conditions),
        (12, [languages] if languages else []),
        (13, [checked] if checked else []),
    ]

    def fits(blocks: list[tuple[int, list[str]]]) -> bool:
        return surface.fits("\n".join(line for _, b in blocks for line in b), lang)

    kept: list[tuple[int, list[str]]] = []
    for rank, block in ranked:
        if rank == _NOTE_BEFORE and not result.address_private and noted_street != street:
            with_note = [(r, [noted_street] if b == [street] else b) for r, b in kept]
            kept = with_note if fits(with_note) else kept
        if block and fits(trial := sorted([*kept, (rank, block)])):
            kept = trial
    text = "\n".join(line for _, block in kept for line in block)
    if (
        phones
        and first_phone
        and phones != first_phone
        and surface.fits(text.replace(first_phone, phones, 1), lang)
    ):
        text = text.replace(first_phone, phones, 1)  # the other numbers, when there is room left
    return text


def nothing_found_text(
    categories: tuple[str, ...],
    place: str,
    radius_km: float,
    nearest: Result | None,
    lang: str,
    *,
    say_115: bool = True,
) -> str:
    place = defuse(place)
    lines = [
        t(
            lang,
            "I found nothing for {need} within {radius} of {place}.",
            need=need_label(categories, lang),
            radius=kilometres(radius_km, lang),
            place=place,
        )
    ]
    if nearest is not None:
        lines.append(
            t(
                lang,
                "The nearest is in {city} ({distance}): send {city} to see it.",
                city=defuse(nearest.city),
                distance=distance(nearest.distance_m, lang),
            )
        )
    else:
        lines.append(t(lang, "Nothing within 200 km either. Try another need with MENU."))
    if say_115 and is_shelter(categories):
        lines.append(t(lang, "For a bed tonight, call 115 (free, 24/7)."))
    return "\n".join(lines)
