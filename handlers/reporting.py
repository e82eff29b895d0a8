"""Report a place wrong, from anyone (issue 13): "le 3 est fermé", "signaler 2", and after one
place's details "ce numéro ne répond pas". Kept through Deps.reports for the directory team, with the
words as written but no phone number in them, and thanked in the writer's language."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

import phonenumbers

import locales
from handlers.i18n import LANGUAGES, reply_language, t, tr
from handlers.model import Conversation, Incoming, Reply, ReplyKind, Turn
from handlers.outbox import PlaceReport, ReportKind
from handlers.safety import CATEGORIES, read_alerts
from handlers.searching import Ctx, item_query, notice, seen
from handlers.terms import fold, fold_message
from handlers.untrusted import defuse

log = logging.getLogger(__name__)

MAX_WORDS = 15  # a report is a sentence; a longer message is a search or a story
MAX_TEXT = 500
NUMBER_HIDDEN = "[…]"
_NUMBER = re.compile(r"(?<![\d+])(\d{1,3})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\+?\d(?:[\s.\-/()]{0,2}\d){5,}")  # what phonenumbers would not call a number


def _phrases(key: str) -> tuple[str, ...]:
    return tuple(sorted({fold(w) for w in locales.words("reports", key)}, key=len, reverse=True))


def _any_of(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One expression finding any of the phrases as whole words (one pass, not one search each)."""
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, phrases))})(?!\w)" if phrases else "(?!x)x")


_VERBS = frozenset(_phrases("report"))
_VERB_WORDS = max((verb.count(" ") + 1 for verb in _VERBS), default=1)
_KINDS = tuple((kind, _any_of(_phrases(kind.value))) for kind in ReportKind if kind is not ReportKind.OTHER)


@dataclass(frozen=True, slots=True)
class ReportAsk:
    number: int | None  # the result reported; None: the one whose details were shown, if any
    kind: ReportKind
    explicit: bool  # said with a report word ("signaler 2"), not only a fact ("le 3 est fermé")
    # The message without the words that say what is wrong, folded: "le numéro de téléphone est faux"
    # asks for no telephone
    rest: str = ""


def _starts_with_verb(folded: str) -> bool:
    """The message is a report word, or begins with one and a space."""
    words = folded.split(" ", _VERB_WORDS)
    return any(" ".join(words[:n]) in _VERBS for n in range(1, len(words) + 1))


def read_report(text: str) -> ReportAsk | None:
    """A report, or None. A fact alone ("le 3 a déménagé") counts only in a short statement, not in
    a question ("c'est fermé le dimanche ?")."""
    folded = fold_message(text)
    explicit = _starts_with_verb(folded)
    found = next(((k, m) for k, phrases in _KINDS if (m := phrases.search(folded))), None)
    kind = found[0] if found else None
    rest = folded if found is None else folded[: found[1].start()] + folded[found[1].end() :]
    words = len(_DIGITS.sub(" ", folded).split())  # a new number said with it is no word of a story
    if not explicit and (kind is None or "?" in text or "؟" in text or words > MAX_WORDS):
        return None
    number = _NUMBER.search(_DIGITS.sub(" ", folded))
    return ReportAsk(int(number.group(1)) if number else None, kind or ReportKind.OTHER, explicit, rest)


def without_phones(text: str) -> str:
    """The words as written, but no phone number or e-mail address (the place's, or anyone's): the
    report is about the place, and those would be personal data the directory team has no use for."""
    spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, "FR")]
    for start, end in reversed(spans):
        text = text[:start] + NUMBER_HIDDEN + text[end:]
    return _EMAIL.sub(NUMBER_HIDDEN, _DIGITS.sub(NUMBER_HIDDEN, text))[:MAX_TEXT]


def _asks_for_help(text: str, ctx: Ctx) -> bool:
    try:
        return bool(ctx.deps.understand(text, ctx.now).needs)
    except Exception:  # noqa: BLE001 - a reader bug: read the message as a report, as it looked
        log.exception("understand failed")
        return False


async def report(conv: Conversation, ask: ReportAsk, msg: Incoming, text: str, ctx: Ctx) -> Turn | None:
    """The report kept and thanked; None when the message is not one after all (a fact with no
    result to tie it to: read as anything else)."""
    lang, deps = ctx.lang, ctx.deps
    alerts = read_alerts(text)
    if any(getattr(alerts, category) for category in CATEGORIES):
        return None  # a crisis said with it is answered first, with its emergency lines (handlers/safety.py)
    if not ask.explicit and _asks_for_help(ask.rest, ctx):
        return None  # "tout est fermé, où manger ?": a search, never swallowed as a report
    number = ask.number if ask.number is not None else conv.shown
    listed = bool(conv.need and conv.place and conv.total)
    if not listed or number is None:
        if not ask.explicit:
            return None
        if not listed:
            return Turn(conv, (notice(lang, t(lang, "There is no list to choose from yet.")),))
        which = tr(lang, 'Which place? Write its number, for example: "report 2".')
        return Turn(conv, (notice(lang, which),))
    if not 1 <= number <= seen(conv, ctx):
        if not ask.explicit and ask.number is not None and conv.shown is None:
            return None
        text_ = t(
            lang,
            "There is no result {number}: send a number between 1 and {last}.",
            number=number,
            last=seen(conv, ctx),
        )
        return Turn(conv, (notice(lang, text_),))
    page = await deps.directory.search(item_query(conv, ctx.now, number))
    if not page.results or deps.reports is None:
        sorry = tr(lang, "Sorry, your report could not be saved. Try again in a moment.")
        return Turn(conv, (notice(lang, sorry),))
    result = page.results[0]
    kept = PlaceReport(
        created_at=ctx.now,
        source=result.source,
        lieu_id=result.lieu_id,
        service_id=result.service_id,
        place_name=result.place_name,
        category=result.category,
        kind=ask.kind,
        text=without_phones(text),
        role=msg.role.value,
        channel=msg.channel.value,
        lang=lang,
    )
    try:
        allowed = await deps.reports.take(msg.user_key)
    except Exception:  # noqa: BLE001 - the count failed: the report is worth more than the limit
        log.exception("report count failed")
        allowed = True
    try:
        if allowed:
            await deps.reports.add(kept)
        else:  # past REPORTS_PER_DAY: thanked like any other, so as not to teach the limit, not kept
            log.warning("report not kept: sender past the day's allowance lieu=%d", result.lieu_id)
    except Exception:  # noqa: BLE001 - the database down: say it, the person can try again
        log.exception("report not kept")
        sorry = tr(lang, "Sorry, your report could not be saved. Try again in a moment.")
        return Turn(conv, (notice(lang, sorry),))
    written = reply_language(text) if not conv.lang_chosen and len(text.split()) >= 3 else lang
    lang = written if written in LANGUAGES else lang  # thanked in the words it was written in
    thanks = tr(
        lang,
        "Thank you: your report about {place} goes to the team that keeps the directory up to date.",
        place=defuse(result.place_name)[:60],
    )
    return Turn(replace(conv, pending=None), (Reply(ReplyKind.CONFIRMATION, lang, thanks),))
