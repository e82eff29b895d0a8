"""Words that come before any search: violence (3919), immediate danger (17/112), a minor alone (119),
a shelter wanted (115). Matched loosely on purpose: a needless number costs one line, a missed
one may cost a life."""

from __future__ import annotations

import re
from dataclasses import dataclass

import locales
from handlers.generic_needs import is_shelter
from handlers.i18n import t
from handlers.model import Reply, ReplyKind
from handlers.terms import alternatives, fold, folded_text, pattern


def _safety(key: str) -> tuple[str, ...]:
    return locales.words("safety", key)


def _frames() -> str:
    """ "I'm", "عمري": a word boundary before the Latin ones ("swim 15" is no age)."""
    return "|".join(
        (r"(?<!\w)" if term.isascii() else "") + re.escape(fold(term)).replace(r"\ ", r"\s+")
        for term in sorted(_safety("age_frame"), key=len, reverse=True)
    )


_VIOLENCE_RE = pattern(_safety("violence"))
_DANGER_RE = pattern(_safety("danger"))
_MINOR_RE = pattern(_safety("minor"))
_THREAT_RE = pattern(_safety("threat"))
# "I'm 17" (but not "I'm 15 min away") or "17 ans", "16 лет": the sender's age.
_AGE = re.compile(
    rf"(?:{_frames()})\s*(\d{{1,2}})(?!\d|\s*(?!(?:{alternatives(_safety('age_after'))})\b)[^\W\d])"
    rf"|(\d{{1,2}})\s*(?:{alternatives(_safety('age_unit'))})(?!\w)"
)


@dataclass(frozen=True, slots=True)
class Alerts:
    violence: bool = False
    danger: bool = False
    minor: bool = False
    shelter: bool = False  # 115: asked for a bed, or hurt with nowhere safe to go

    def __bool__(self) -> bool:
        return self.violence or self.danger or self.minor or self.shelter


def is_minor(text: str) -> bool:
    folded = folded_text(text)
    if _MINOR_RE.search(folded):
        return True
    for match in _AGE.finditer(folded):
        age = int(match.group(1) or match.group(2))
        if 5 <= age < 18:
            return True
    return False


def read_alerts(text: str, categories: tuple[str, ...]) -> Alerts:
    """115 goes with every shelter request, at any hour: its operators also know the places with a
    bed left for tonight, and a queue at 10:00 is shorter than one at 22:00. Someone hurt who asks
    for nothing yet is told of 115 too: a safe place to sleep is often the first need."""
    folded = folded_text(text)
    threat = bool(_THREAT_RE.search(folded))
    violence = threat or bool(_VIOLENCE_RE.search(folded))
    return Alerts(
        violence=violence,
        danger=threat or bool(_DANGER_RE.search(folded)),
        minor=is_minor(text),
        shelter=is_shelter(categories) or (violence and not categories),
    )


def safety_replies(alerts: Alerts, lang: str, *, short: bool = False) -> tuple[Reply, ...]:
    """Emergency numbers, most urgent first. `short` (a terse surface) keeps every number in a few
    words, so that all four fit one message."""
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
