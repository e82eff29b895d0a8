"""Who a place is for and on what terms, in words: list-line markers, the audience and conditions lines,
the languages spoken."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from handlers.i18n import join, t
from handlers.untrusted import defuse
from search import Audience

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


def audience_marker(audience: Audience, lang: str, *, preferred: bool = True) -> str | None:
    """ "femmes", "familles", "-25 ans": two words on a list line for a place that takes only some
    people (Soliguide's exclusive welcome), so a man is not sent to a women's shelter; "surtout
    femmes" for one that welcomes mainly women (accueil 1), unless `preferred` is False (an SMS page,
    where it would push a page in Arabic or Russian past its message: a review, 2026-12-06)."""
    if preferred and audience.welcome == 1 and len(audience.genders) == 1 and audience.genders[0] in _GENDERS:
        # "surtout femmes": a man may go, but a woman fleeing violence looks for it, a man may not
        # (a persona trial, 2026-12-06: "Le Fil d'Ariane" said so in its details only)
        return t(lang, "mainly {who}", who=t(lang, _GENDERS[audience.genders[0]]))
    if audience.welcome != 2:
        return None
    parts: list[str] = []
    if len(audience.genders) == 1 and audience.genders[0] in _GENDERS:
        parts.append(t(lang, _GENDERS[audience.genders[0]]))
    if 0 < len(audience.family) < len(_FAMILY):
        parts.extend(t(lang, _FAMILY[f]) for f in audience.family[:1] if f in _FAMILY)
    low, high = audience.age_min or 0, audience.age_max if audience.age_max is not None else 99
    if 0 < low and high < 99:
        parts.append(t(lang, "{low}–{high} years", low=low, high=high))
    elif high < 99:
        parts.append(t(lang, "under {age}", age=high))
    elif low > 0:
        parts.append(t(lang, "{age} and over", age=low))
    return join(parts[:2], lang) if parts else None


def audience_line(audience: Audience, lang: str) -> str | None:
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
    return t(lang, msgid, who=join(parts, lang))


def _language_name(code: str, lang: str) -> str | None:
    """CLDR's name of a language in the reader's language; a code CLDR does not know ("lsf") is
    skipped rather than shown raw."""
    name = Locale.parse(lang).languages.get(code)
    if name is None:
        try:
            name = Locale.parse(code).get_display_name(lang)
        except (ValueError, UnknownLocaleError):
            return None
    return name or None


def language_names(codes: tuple[str, ...], lang: str) -> str:
    names = (_language_name(code, lang) for code in codes)
    return join((name for name in names if name), lang)


def condition_lines(conditions: tuple[tuple[str, str], ...], lang: str) -> list[str]:
    """ "Sur rendez-vous", "Orientation par un travailleur social : …", "Note : …". The precisions are
    the place's own words, defused; so is a kind we have no words for, shown as it came."""
    lines = []
    for kind, raw in conditions:
        precision = defuse(raw)
        if kind == "other":
            if precision:
                lines.append(t(lang, "Note: {text}", text=precision))
            continue
        label = t(lang, _CONDITIONS[kind]) if kind in _CONDITIONS else defuse(kind)
        lines.append(
            t(lang, "{condition}: {detail}", condition=label, detail=precision) if precision else label
        )
    return lines
