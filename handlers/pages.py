"""The answers that show services: a page of results, one result's details, and "nothing found"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale

from db.categories import taxonomy
from handlers.i18n import clock, distance, kilometres, long_date, t, weekday
from search.engine import Audience, Result
from search.hours import describe, describe_week

PARIS = ZoneInfo("Europe/Paris")
STALE = timedelta(days=183)  # "over 6 months": the data may have changed, the person should call first
SHELTER = frozenset(
    {"accomodation_and_housing", "emergency_accommodation", "overnight_stop", "citizen_housing"}
)


def need_label(categories: tuple[str, ...], lang: str) -> str:
    tax = taxonomy().by_id
    labels = [tax[c].label(lang) for c in categories if c in tax]
    return ", ".join(labels) if labels else t(lang, "services")


def is_shelter(categories: tuple[str, ...]) -> bool:
    tax = taxonomy()
    return any(c in SHELTER or tax.expand([c]) & SHELTER for c in categories)


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
    return t(lang, "{day} around {time}", day=weekday(start, lang), time=at)


def header(categories: tuple[str, ...], place: str, lang: str, when: str | None) -> str:
    what = t(lang, "{need} near {place}:", need=need_label(categories, lang), place=place)
    return t(lang, "{when}: {what}", when=when, what=what) if when else what


def short_address(result: Result) -> str:
    """ "21 Rue du Vignoble, Illzach": the postcode says little to someone on foot."""
    address = result.address or result.city
    if result.postal_code:
        address = address.replace(f"{result.postal_code} ", "")
    return address


def is_stale(result: Result, now: datetime) -> bool:
    verified = result.verified_at
    if verified is None:
        return True
    if verified.tzinfo is None:
        verified = verified.replace(tzinfo=UTC)
    return now - verified > STALE


def result_lines(number: int, result: Result, at: datetime, now: datetime, lang: str) -> list[str]:
    lines = [
        t(
            lang,
            "{number}. {name} ({distance}) – {state}",
            number=number,
            name=result.place_name,
            distance=distance(result.distance_m, lang),
            state=describe(result.state, at, lang),
        )
    ]
    contact = short_address(result)
    if result.phone:
        contact = f"{contact} · {result.phone}" if contact else result.phone
    if contact:
        lines.append(f"   {contact}")
    if is_stale(result, now):
        lines.append("   " + t(lang, "Info over 6 months old, call before going."))
    return lines


def results_text(
    results: tuple[Result, ...], first: int, total: int, head: str, at: datetime, now: datetime, lang: str
) -> str:
    lines = [head]
    for index, result in enumerate(results):
        lines.extend(result_lines(first + index, result, at, now, lang))
    more = first - 1 + len(results) < total
    lines.append(
        t(lang, "PLUS for more, a number for details.") if more else t(lang, "Send a number for details.")
    )
    return "\n".join(lines)


_GENDERS = {"women": "women", "men": "men"}
_FAMILY = {
    "isolated": "single people",
    "family": "families",
    "couple": "couples",
    "pregnant": "pregnant women",
}
_ADMIN = {
    "asylum": "asylum seekers",
    "refugee": "refugees",
    "undocumented": "people without papers",
    "regular": "people with papers",
}
_OTHER = {
    "violence": "victims of violence",
    "addiction": "people with addictions",
    "handicap": "people with disabilities",
    "lgbt": "LGBT+ people",
    "hiv": "people living with HIV",
    "prostitution": "sex workers",
    "prison": "people leaving prison",
    "student": "students",
    "mentalHealth": "people with mental health needs",
}
_CONDITIONS = {
    "appointment": "By appointment",
    "registration": "Registration needed",
    "referral": "Referral by a social worker needed",
    "price": "Not free",
    "animals": "Animals accepted",
    "wheelchair": "Wheelchair accessible",
}


def _audience(audience: Audience, lang: str) -> str | None:
    """Only what narrows the public: Soliguide lists every box as ticked for "everyone"."""
    if audience.welcome == 0:
        return t(lang, "Open to everyone.")
    parts: list[str] = []
    if len(audience.genders) == 1 and audience.genders[0] in _GENDERS:
        parts.append(t(lang, _GENDERS[audience.genders[0]]))
    low, high = audience.age_min or 0, audience.age_max if audience.age_max is not None else 99
    if low > 0 or high < 99:
        parts.append(t(lang, "aged {low} to {high}", low=low, high=high))
    if 0 < len(audience.family) < len(_FAMILY):
        parts.extend(t(lang, _FAMILY[f]) for f in audience.family if f in _FAMILY)
    if 0 < len(audience.administrative) < len(_ADMIN):
        parts.extend(t(lang, _ADMIN[a]) for a in audience.administrative if a in _ADMIN)
    if 0 < len(audience.other) <= 3:
        parts.extend(t(lang, _OTHER[o]) for o in audience.other if o in _OTHER)
    if not parts:
        return None
    msgid = "Only for: {who}." if audience.welcome == 2 else "Mainly for: {who}."
    return t(lang, msgid, who=", ".join(parts))


def _language_names(codes: tuple[str, ...], lang: str) -> str:
    names = Locale.parse(lang).languages
    return ", ".join(names.get(code, code) for code in codes)


def osm_link(result: Result) -> str:
    return f"https://www.openstreetmap.org/directions?to={result.point.lat:.5f},{result.point.lon:.5f}"


def details_text(result: Result, at: datetime, now: datetime, lang: str) -> str:
    tax = taxonomy().by_id
    what = result.service_name or (tax[result.category].label(lang) if result.category in tax else "")
    lines = [f"{result.place_name} – {what}" if what else result.place_name]
    lines.append(t(lang, "Address: {address}", address=result.address or result.city))
    if result.phones:
        lines.append(t(lang, "Phone: {phone}", phone=", ".join(result.phones)))
    state = describe(result.state, at, lang)
    if at - now > timedelta(minutes=20):
        lines.append(t(lang, "{when}: {what}", when=when_label(at, now, lang), what=state))
    else:
        lines.append(t(lang, "Now: {state}", state=state))
    if result.itinerary:
        lines.append(t(lang, "Mobile service: the place changes, call first."))
    week = describe_week(result.timing.week, lang)
    if week:
        lines.append(t(lang, "Opening hours:"))
        lines.extend(f"  {line}" for line in week)
    if result.temp_message:
        lines.append(t(lang, "Message: {text}", text=result.temp_message))
    for kind, precision in result.conditions:
        if kind == "other":
            lines.append(t(lang, "Note: {text}", text=precision))
            continue
        label = t(lang, _CONDITIONS.get(kind, kind))
        lines.append(
            t(lang, "{condition}: {detail}", condition=label, detail=precision) if precision else label
        )
    who = _audience(result.audience, lang)
    if who:
        lines.append(who)
    if result.languages:
        lines.append(
            t(lang, "Languages spoken: {languages}", languages=_language_names(result.languages, lang))
        )
    if result.verified_at is not None:
        checked = t(lang, "Information checked on {date}.", date=long_date(result.verified_at.date(), lang))
        lines.append(checked.replace("..", "."))  # some locales end a long date with "г." or "р."
    if is_stale(result, now):
        lines.append(t(lang, "Info over 6 months old, call before going."))
    lines.append(t(lang, "Directions: {link}", link=osm_link(result)))
    return "\n".join(lines)


def nothing_found_text(
    categories: tuple[str, ...],
    place: str,
    radius_km: float,
    nearest: Result | None,
    lang: str,
    *,
    say_115: bool = True,
) -> str:
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
                city=nearest.city,
                distance=distance(nearest.distance_m, lang),
            )
        )
    else:
        lines.append(t(lang, "Nothing within 200 km either. Try another need with MENU."))
    if say_115 and is_shelter(categories):
        lines.append(t(lang, "For a bed tonight, call 115 (free, 24/7)."))
    return "\n".join(lines)
