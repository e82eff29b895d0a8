"""Words that come before any search: violence (3919), immediate danger (17/112), a minor alone (119),
a shelter wanted (115). Matched loosely on purpose: a needless number costs one line, a missed
one may cost a life."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.i18n import t
from handlers.keywords import fold
from handlers.model import Reply, ReplyKind

# Terms are comma-separated and folded like messages; a trailing * matches any ending.
_VIOLENCE = """
frappe, frappee, frapper, me frappe, m'a frappe, m a frappe, il me bat, elle me bat, me bat,
me tape, violence*, violent*, viol, violee, viole, violer, agresse*, agression*, battue, maltrait*,
frapp*, me cogne, m'a cogne, il cogne, cogne*, tabass*, coups, des coups, roue de coups, gifl*, etrangl*,
battu, me bat*, m'a battu*, beaten, beating, beats, punched, kicked, strangl*, slapped, golpe*, me pego,
pegan, bateu, espanc*, agred*, cops, em colpeja*, colpej*, m'ha pegat, lovit*, loveste, ma loveste,
batut*, бил, бьют, избил*, ударил*, удары, побил*, б'ють, вдарив*, вдарила, удари, ضرب*, ضربني,
يعنفني, میزنه, میزند, منو زد, کتکم, وهلی, وهي, მირტყამს, მცემა, ცემა*, დამარტყა,
harcel*, abus sexuel*, inceste, abuse, abused, abusive, abusing, battered, beats me, beat me,
hit me, hits me, hitting me, rape*, assault*, violencia*, me pega, me golpea, maltrato*, violada,
violacion, abuso*, agredid*, violência, me bate, agressao, estupr*, abusad*, violència, em pega,
maltract*, abus, violență, violenta, ma bate, bataie, abuz*, agresat*, agresiune, насили*, бьет,
бьёт, избива*, изнасил*, побои, насильств*, б'є, бʼє, б’є, бьє, побив*, зґвалт*, знущ*, عنف,
يضربني, يضربنى, اغتصاب*, اعتداء*, تعنيف, خشونت, کتک*, منو میزنه, تجاوز*, آزار*, تاوتریخوال*,
وهي مې, زورزیاتی, جنسي تیری, ძალადობ*, მცემს, მცემენ, გაუპატიურ*
"""
_DANGER = """
danger, en danger, il va me tuer, va me tuer, me tuer, au secours, sos, menace de mort,
menace de mort*, help me now, in danger, kill me, going to kill, help me please, peligro,
me va a matar, socorro, auxilio, perigo, vai me matar, perill, em matara, em matarà, auxili,
pericol, ma omoara, mă omoară, опасност*, убьет, убьёт, убить меня, спасите, небезпек*, вб'є, вбʼє,
уб'є, вбити мене, рятуйте, خطر, سيقتلني, يقتلني, النجدة, منو میکشه, می‌کشد, میکشه, وژني, مې وژني,
საფრთხე, მომკლავს, მიშველეთ
"""
# A weapon or a threat is violence and an immediate danger at once: 3919 and 17/112.
_THREAT = """
couteau*, arme, armes, pistolet, fusil, menace*, il me menace, va me tuer, il va me tuer,
me tuer, knife, knives, gun, guns, weapon*, threat*, kill me, cuchillo*, navaja*, pistola, arma,
amenaz*, me va a matar, matarme, faca, facas, facada, ameac*, vai me matar, me matar, ganivet*,
amenac*, em matara,
cutit*, arma, pistol, amenint*, ma omoara, нож*, пистолет*, оружи*, угрож*, угроз*, убьет, убьёт,
ножа, ножем, пістолет*, зброя, погрож*, загрож*, вб'є, вбʼє, уб'є, سكين*, سلاح,
مسدس, يهدد*, تهدید*, تهديد*, سيقتلني, يقتلني, چاقو*, اسلحه, تفنگ, منو میکشه, میکشه, چړه, ټوپک,
ګواښ*, وژني, დანა*, იარაღ*, დანით, მემუქრება, მუქარა*, მომკლავს
"""
_MINOR = """
mineur, mineure, mineurs, moins de 18 ans, fugue, fugueur, fugueuse, minor, underage, under 18,
runaway, menor, menor de edad, menor d'edat, menor de idade, minora, несовершеннолет*,
неповнолітн*, قاصر, قاصرة, زیر ۱۸, زیر 18, کم عمر, არასრულწლოვან*
"""
_AGE = re.compile(
    r"(?:\bi'?m|\bi am|عمري|عمرم)\s*(\d{1,2})(?!\d|\s*(?!and\b|alone\b|years?\b|yo\b)[^\W\d])"
    r"|(\d{1,2})\s*(?:ans|years?|yo|y\.o|años|anos|anys|ani|лет|года|год|років|роки|рік|سنة|عاما|سالمه|ساله|سال|کلن|წლის)(?!\w)"
)


def _compile(block: str) -> re.Pattern[str]:
    parts = []
    terms = {term.strip() for term in block.replace("\n", " ").split(",") if term.strip()}
    for term in sorted(terms, key=len, reverse=True):
        folded = " ".join(fold(word) for word in term.rstrip("*").split())
        if not folded:
            continue
        body = re.escape(folded).replace(r"\ ", r"\s+")
        parts.append(body + (r"\w*" if term.endswith("*") else ""))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


_VIOLENCE_RE = _compile(_VIOLENCE)
_DANGER_RE = _compile(_DANGER)
_MINOR_RE = _compile(_MINOR)
_THREAT_RE = _compile(_THREAT)
SHELTER = frozenset(
    {"accomodation_and_housing", "emergency_accommodation", "overnight_stop", "citizen_housing"}
)


@dataclass(frozen=True, slots=True)
class Alerts:
    violence: bool = False
    danger: bool = False
    minor: bool = False
    shelter: bool = False  # 115: asked for a bed, or hurt with nowhere safe to go

    def __bool__(self) -> bool:
        return self.violence or self.danger or self.minor or self.shelter


def _folded_text(text: str) -> str:
    return " ".join(fold(word) or word for word in text.lower().replace("’", "'").split())


def is_minor(text: str) -> bool:
    folded = _folded_text(text)
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
    folded = _folded_text(text)
    threat = bool(_THREAT_RE.search(folded))
    violence = threat or bool(_VIOLENCE_RE.search(folded))
    return Alerts(
        violence=violence,
        danger=threat or bool(_DANGER_RE.search(folded)),
        minor=is_minor(text),
        shelter=any(c in SHELTER for c in categories) or (violence and not categories),
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
