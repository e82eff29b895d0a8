"""Send a place to a person by SMS (issue 13): "envoyer 2 au 06 12 34 56 78 en arabe" after a list,
confirmed once, then sent by bot/ through Deps.outbox. Operators and volunteers only.

The number is read with `phonenumbers` (French by default, international accepted) and never kept in
clear: while the confirmation is awaited it is in the conversation only sealed (Deps.sealer, encrypted
with the app's secret, expiring).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

import locales
from handlers.audience import condition_lines
from handlers.generic_needs import is_shelter, searched_categories
from handlers.i18n import LANGUAGES, capitalized, join, t, tr
from handlers.keywords import LANGUAGE_WORDS
from handlers.model import Conversation, Incoming, Reply, ReplyKind, Role, Turn
from handlers.opening import closure_lines, describe, hours_in_force
from handlers.outbox import Outgoing, Sent
from handlers.pages import noted, short_address, title, when_label
from handlers.searching import Ctx, item_query, notice, seen
from handlers.stats import EventKind, search_event
from handlers.terms import fold, fold_message
from handlers.untrusted import defuse
from search import Result, state_at

REGION = "FR"  # a number written without +33 is French
_REACHABLE = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.PERSONAL_NUMBER}
)
# Digits with the separators people type between them: "06 12 34 56 78", "+33 (0)6.12.34.56.78".
_PHONE = re.compile(r"(?<![\d+])\+?\d(?:[\s.\-/()]{0,2}\d){5,16}(?!\d)")
_NUMBER = re.compile(r"(?<![\d+])(\d{1,3})(?!\d)")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

log = logging.getLogger(__name__)


def _folded(key: str) -> tuple[str, ...]:
    return tuple(sorted({fold(w) for w in locales.words("sending", key)}, key=len, reverse=True))


_SEND = _folded("send")
_CONFIRM = frozenset(_folded("confirm"))
_CANCEL = frozenset(_folded("cancel"))


@dataclass(frozen=True, slots=True)
class SendAsk:
    """What "envoyer 2 au 06 12 34 56 78 en arabe" asks: a result, a number as written, a language."""

    number: int | None
    phone: str | None
    lang: str | None


def _starts_with(text: str, terms: tuple[str, ...]) -> str | None:
    for term in terms:
        if text == term or text.startswith(term + " "):
            return term
    return None


def _split_phone(raw: str) -> tuple[str, str]:
    """("2", "0612345678") from "2 0612345678": the longest tail that is a valid number is the phone,
    what comes before it may be the result's number."""
    groups = re.split(r"[\s]+", raw.strip())
    for i in range(len(groups)):
        tail = " ".join(groups[i:])
        if read_phone(tail) is not None:
            return " ".join(groups[:i]), tail
    return "", raw


def read_send(text: str) -> SendAsk | None:
    """A send command, or None. Its words (locales/<lang>/sending.tsv) begin the message."""
    folded = fold_message(text)
    verb = _starts_with(folded, _SEND)
    if verb is None:
        return None
    rest = folded[len(verb) :]
    phone = None
    found = _PHONE.search(rest)
    if found:
        before, phone = _split_phone(found.group(0))
        rest = f"{rest[: found.start()]} {before} {rest[found.end() :]}"
    number = _NUMBER.search(rest)
    lang = None
    for word in _WORD.findall(rest):
        if len(word) >= 3 and word in LANGUAGE_WORDS:
            lang = LANGUAGE_WORDS[word]
    return SendAsk(int(number.group(1)) if number else None, phone, lang)


def answer_to_send(text: str) -> bool | None:
    """True for YES, False for an explicit no, None for anything else (which cancels as well)."""
    folded = fold_message(text).strip(" .!")
    if folded in _CONFIRM:
        return True
    if folded in _CANCEL:
        return False
    return None


def read_phone(raw: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(raw, REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def shown_number(number: phonenumbers.PhoneNumber) -> str:
    """ "06 12 34 56 78" for a French number, "+44 7700 900123" for another."""
    national = phonenumbers.region_code_for_number(number) == REGION
    return phonenumbers.format_number(
        number, PhoneNumberFormat.NATIONAL if national else PhoneNumberFormat.INTERNATIONAL
    )


def sms_text(result: Result, at: datetime, now: datetime, lang: str, fits: Callable[[str, str], bool]) -> str:
    """What the person receives: name, address (or how to be referred), phone, the state and hours in
    force, conditions. Blocks are kept in that order of use while the SMS still fits the budget."""
    name = title(result, (), lang, 60)
    if result.address_private:
        place = " ".join(p for p in (defuse(result.postal_code), defuse(result.city)) if p)
        if is_shelter((result.category,)):
            # A number to call: an SMS sent to someone on the street reaches no social worker (a persona
            # trial, 2026-12-06: a Ukrainian woman was sent a shelter with no phone, no address, no 115)
            address = t(
                lang,
                "Address given on referral only ({place}): call 115 (free, 24/7) or a social worker to be referred.",  # noqa: E501
                place=place,
            )
        else:
            address = t(
                lang,
                "Address given on referral only ({place}): ask a social worker to refer you.",
                place=place,
            )
    else:
        where = noted(short_address(result), result)
        city = defuse(result.city)
        if city and city not in where:
            where = f"{where}, {city}"
        address = t(lang, "Address: {address}", address=where)
    phones = [p for p in map(defuse, result.phones) if p]
    phone = t(lang, "Phone: {phone}", phone=join(phones, lang)) if phones else None
    state = describe(result.state, at, lang, now=now, phone=bool(result.phone))
    if abs(at - now) > timedelta(minutes=20):
        state_line = t(lang, "{when}: {what}", when=capitalized(when_label(at, now, lang), lang), what=state)
    else:
        state_line = t(lang, "Now: {state}", state=state)
    ranked: list[list[str]] = [
        [name],
        [address],
        [phone] if phone else [],
        list(closure_lines(result.timing, at, lang)),
        [state_line],
        list(hours_in_force(result.timing, at, lang, compact=True)),
        condition_lines(result.conditions, lang),
    ]
    kept: list[str] = []
    for block in ranked:
        if block and fits("\n".join([*kept, *block]), lang):
            kept.extend(block)
    return "\n".join(kept) if kept else name


async def request(conv: Conversation, ask: SendAsk, msg: Incoming, ctx: Ctx) -> Turn:
    """Checks everything that can be checked before the confirmation, then shows what will be sent."""
    lang, deps = ctx.lang, ctx.deps
    conv = replace(conv, sending=None)
    if msg.role is Role.PUBLIC or msg.actor is None:
        text = tr(
            lang,
            "Sending a place by SMS is for registered 115 operators and outreach teams. Send the "
            "place's number to see its details, and share them yourself.",
        )
        return Turn(conv, (notice(lang, text),))
    if deps.outbox is None or deps.sealer is None:
        text = tr(
            lang,
            "Sending by SMS is not set up on this service (no Twilio account is configured). "
            "Read the details out instead.",
        )
        return Turn(conv, (notice(lang, text),))
    if not (conv.need and conv.place and conv.total):
        return Turn(conv, (notice(lang, t(lang, "There is no list to choose from yet.")),))
    example = tr(
        lang,
        'To send a place by SMS, write its number and the phone number, for example: "send 2 to 06 12 34 56 78".',  # noqa: E501
    )
    if ask.number is None or ask.phone is None:
        return Turn(conv, (notice(lang, example),))
    if not 1 <= ask.number <= seen(conv, ctx):
        text = t(
            lang,
            "There is no result {number}: send a number between 1 and {last}.",
            number=ask.number,
            last=seen(conv, ctx),
        )
        return Turn(conv, (notice(lang, text),))
    phone = read_phone(ask.phone)
    if phone is None:
        text = tr(
            lang,
            "{number} is not a phone number an SMS can reach. Write it like 06 12 34 56 78, or +44 7700 900123 from abroad.",  # noqa: E501
            number=ask.phone,
        )
        return Turn(conv, (notice(lang, text),))
    shown = shown_number(phone)
    kind = phonenumbers.number_type(phone)
    if kind not in _REACHABLE:
        if kind is PhoneNumberType.FIXED_LINE:
            text = tr(
                lang,
                "{number} is a landline: it cannot receive an SMS. Ask for a mobile number.",
                number=shown,
            )
        else:
            text = tr(lang, "{number} cannot receive an SMS. Ask for a mobile number.", number=shown)
        return Turn(conv, (notice(lang, text),))
    if await deps.outbox.remaining(msg.actor) <= 0:
        return Turn(conv, (notice(lang, _limit(lang, deps.outbox.per_hour)),))
    query = item_query(conv, ctx.now, ask.number)
    page = await deps.directory.search(query)
    if not page.results:
        text = t(lang, "This result is no longer available. Send PLUS or another search.")
        return Turn(conv, (notice(lang, text),))
    result = page.results[0]
    at = query.at if conv.when is not None else ctx.now
    result = replace(result, state=state_at(result.timing, at))
    target = ask.lang if ask.lang in LANGUAGES else lang
    body = sms_text(result, at, ctx.now, target, deps.outbox.fits)
    sealed = deps.sealer.seal(
        json.dumps(
            {
                "id": secrets.token_hex(16),
                "to": phonenumbers.format_number(phone, PhoneNumberFormat.E164),
                "body": body,
                "lang": target,
                "source": result.source,
                "lieu_id": result.lieu_id,
                "service_id": result.service_id,
            },
            ensure_ascii=False,
        )
    )
    ask_text = tr(
        lang,
        "Send to {number}:\n\n{body}\n\nReply YES to send it; anything else cancels.",
        number=shown,
        body=body,
    )  # noqa: E501
    return Turn(replace(conv, sending=sealed), (Reply(ReplyKind.QUESTION, lang, ask_text),))


def _limit(lang: str, per_hour: int) -> str:
    return tr(
        lang,
        "You have sent {count} SMS in the last hour, the most allowed. Try again later, or read the details out.",  # noqa: E501
        count=per_hour,
    )


async def confirm(conv: Conversation, msg: Incoming, ctx: Ctx) -> Turn:
    """YES to a send awaiting confirmation: sent once, its outcome said plainly."""
    lang, deps = ctx.lang, ctx.deps
    token, conv = conv.sending, replace(conv, sending=None)
    payload = deps.sealer.unseal(token) if deps.sealer is not None and token else None
    if payload is None:
        text = tr(lang, "This send waited too long: nothing was sent. Ask again if needed.")
        return Turn(conv, (notice(lang, text),))
    if msg.role is Role.PUBLIC or msg.actor is None or deps.outbox is None:
        return await request(conv, SendAsk(None, None, None), msg, ctx)
    data = json.loads(payload)
    to = str(data["to"])
    shown = shown_number(phonenumbers.parse(to))
    sms = Outgoing(
        request_id=str(data["id"]),
        operator=msg.actor,
        to=to,
        body=str(data["body"]),
        lang=str(data["lang"]),
        source=str(data["source"]),
        lieu_id=int(data["lieu_id"]),
        service_id=int(data["service_id"]),
    )
    result = await deps.outbox.send(sms)
    if result.outcome is Sent.LIMITED:
        return Turn(conv, (notice(lang, _limit(lang, deps.outbox.per_hour)),))
    if result.outcome is Sent.FAILED:
        # The failure's kind ("ConnectError", Twilio's code) is for the logs and the audit, not the operator.
        log.warning("sms not sent operator=%d reason=%s", msg.actor, result.reason or "?")
        text = tr(
            lang,
            "The SMS could not be sent: nothing reached {number}. Try again in a moment, or read the details out.",  # noqa: E501
            number=shown,
        )
        return Turn(conv, (notice(lang, text),))
    done = Reply(ReplyKind.CONFIRMATION, lang, tr(lang, "Sent to {number}.", number=shown))
    event = None
    if not conv.detailed and conv.place is not None and conv.need:  # the search's strong success, once
        event = search_event(
            EventKind.SENT,
            conv.need,
            searched_categories(conv.need),
            conv.place,
            conv.at or ctx.now,
            ctx.now,
            lang,
            conv.filters,
        )
    return Turn(replace(conv, detailed=True), (done,), event=event)


def nothing_sent(lang: str) -> Reply:
    return notice(lang, tr(lang, "Cancelled: nothing was sent."))


def cancelled(conv: Conversation, lang: str) -> Turn:
    return Turn(replace(conv, sending=None), (nothing_sent(lang),))
