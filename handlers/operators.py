"""What changes for a registered operator or volunteer (issue 13): the one-time code that registers
them, and the jargon of the sector read as needs and filters ("CHU", "HUDA", "sans orientation",
"accepte les chiens", "mineur", "45 ans"). The words are data: locales/<lang>/operators.tsv
(format: locales/README.md); the sentences are the `operators` catalog.

The public never reaches the jargon reader: for them "CHU" stays the university hospital.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

import locales
from handlers.filters import Who
from handlers.model import Reply, ReplyKind, Role
from handlers.redeeming import Redeemed, Redemption
from handlers.terms import Expressions, FoldedText, alternatives, expressions, whole

DOMAIN = "operators"
MINOR_AGE = 17  # "mineur" with no age: old enough for a teenagers' place, never an adults' one


def to(lang: str, msgid: str, **values: object) -> str:
    """A sentence of the operator tools (catalog `operators`)."""
    return locales.gettext(lang, DOMAIN, msgid, **values)


def _words(key: str) -> tuple[str, ...]:
    return locales.words("operators", key)


def _keys(prefix: str) -> tuple[str, ...]:
    found = {key for lang in locales.LANGUAGES for key in locales.word_lists(lang, "operators")}
    return tuple(sorted(key for key in found if key.startswith(prefix)))


def _sources() -> dict[str, str]:
    """The text of every expression of this module (made at first use: handlers.terms.expressions)."""
    code = r"\s*[:#]?\s*([0-9a-z]{4}(?:[\s-]?)[0-9a-z]{4})$"
    filters = (
        *_keys("need."),
        *_keys("administrative."),
        "no_referral",
        "no_appointment",
        "animals",
        "minor",
        "new_caller",
    )
    return {
        # "code 7K3F-9QX2", "mon code : 7k3f 9qx2", and Telegram's deep link /start 7K3F9QX2 ("start …").
        "code": rf"(?i)^(?:{alternatives(_words('code'))}){code}",
        **{key: whole(alternatives(_words(key))) for key in filters},
        "age": rf"(?<!\w)(\d{{1,2}})\s*(?:{alternatives(_words('age.unit'))})(?!\w)",
        "age.not_before": rf"(?:{alternatives(_words('age.not_before'))})\s+$",
    }


@cache
def _expressions() -> Expressions:
    return expressions("operators", _sources)


def prepare() -> None:
    """Every expression compiled now, not at an operator's first message."""
    _expressions().compile_all()


# --- the invitation code -------------------------------------------------------------------------


def read_code(text: str) -> str | None:
    """The code in a message that is only a code word and a code, as the sender typed it."""
    match = _expressions()["code"].match(FoldedText.of(text).text)
    return match.group(1) if match else None


def redemption_reply(found: Redemption, lang: str) -> Reply:
    if found.outcome is Redeemed.REGISTERED and found.organisation is not None:
        said = (
            to(
                lang,
                "You are now registered as a volunteer of {organisation}.",
                organisation=found.organisation,
            )
            if found.role == Role.VOLUNTEER
            else to(
                lang,
                "You are now registered as an operator of {organisation}.",
                organisation=found.organisation,
            )
        )
        how = to(
            lang,
            'Lists now show access conditions and how busy places are. Write the need and the place, for example "CHU Colmar sans orientation".',  # noqa: E501
        )
        return Reply(ReplyKind.CONFIRMATION, lang, f"{said}\n{how}")
    if found.outcome is Redeemed.LIMITED:
        text = to(lang, "Too many wrong codes. Try again in an hour.")
    elif found.outcome is Redeemed.NOT_HERE:
        text = to(lang, "Invitation codes are accepted on Telegram only.")
    else:
        text = to(
            lang, "This code is wrong, already used or expired. Ask the person who gave it for a new one."
        )
    return Reply(ReplyKind.NOTICE, lang, text)


def relaxed_note(lang: str) -> str:
    """Nothing met every condition an operator gave: the others, each line saying its own conditions."""
    return to(
        lang,
        "No place here meets every condition you gave: here are the nearest, with their conditions on each line.",  # noqa: E501
    )


# --- the jargon ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Jargon:
    """What an operator's words name: needs, with where they were said (never a place), and filters."""

    needs: tuple[str, ...] = ()
    need_spans: tuple[tuple[int, int], ...] = ()
    no_referral: bool = False
    no_appointment: bool = False
    animals: bool = False
    age: int | None = None
    administrative: str | None = None
    new_caller: bool = False  # "nouvel appel": who the last caller was no longer filters the places
    minor: bool = False  # "mineur", "MNA": a minor, told as one (an age alone may be a parent's child's)
    filter_spans: tuple[tuple[int, int], ...] = ()

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        return (*self.need_spans, *self.filter_spans)


def read_jargon(text: str) -> Jargon:
    folded = FoldedText.of(text)
    words = folded.text
    expression = _expressions()
    needs: list[str] = []
    need_spans: list[tuple[int, int]] = []
    for key in expression.keys():
        if not key.startswith("need."):
            continue
        category = key.removeprefix("need.")
        for match in expression[key].finditer(words):
            if category not in needs:
                needs.append(category)
            need_spans.append(folded.original(*match.span()))
    filter_spans: list[tuple[int, int]] = []

    def said(regex: re.Pattern[str]) -> bool:
        found = [m.span() for m in regex.finditer(words)]
        filter_spans.extend(folded.original(a, b) for a, b in found)
        return bool(found)

    administrative = next(
        (
            key.removeprefix("administrative.")
            for key in expression.keys()
            if key.startswith("administrative.") and said(expression[key])
        ),
        None,
    )
    age = None
    for match in expression["age"].finditer(words):
        if not expression["age.not_before"].search(words[: match.start()]) and 0 < int(match.group(1)) < 100:
            age = int(match.group(1))
            filter_spans.append(folded.original(*match.span()))
            break
    minor = said(expression["minor"])
    if minor and (age is None or age >= 18):
        age = MINOR_AGE
    return Jargon(
        needs=tuple(needs),
        need_spans=tuple(need_spans),
        no_referral=said(expression["no_referral"]),
        no_appointment=said(expression["no_appointment"]),
        animals=said(expression["animals"]),
        age=age,
        administrative=administrative,
        new_caller=said(expression["new_caller"]),
        minor=minor,
        filter_spans=tuple(filter_spans),
    )


def with_jargon(who: Who, jargon: Jargon) -> Who:
    """Who is asking, as the message says it, with what the jargon adds ("sans orientation", "mineur")."""
    said = who.filters
    filters = replace(
        said,
        no_referral=said.no_referral or jargon.no_referral,
        no_appointment=said.no_appointment or jargon.no_appointment,
        animals=said.animals or jargon.animals,
        age=jargon.age if jargon.age is not None else said.age,
        administrative=jargon.administrative or said.administrative,
    )
    return replace(who, filters=filters, spans=(*who.spans, *jargon.filter_spans))
