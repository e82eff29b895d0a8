"""What a web chat page shows: its own words (locales/*/webchat.po), the transcript's entries as the
page carries them, the links a phone can open in a reply, and the language a browser asks for."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import locales
from handlers import Choice, Reply, ReplyKind

DOMAIN = "webchat"

# Every sentence of the pages themselves (the conversation's are in its own catalog): locales/*/webchat.po.
TEXT = {
    "title": "Find help nearby",
    "log": "Conversation",
    "you": "You",
    "bot": "Answer",
    "label": "Your message",
    "send": "Send",
    "choices": "Answer choices",
    "new": "New conversation",
    "too_long": "Your message is too long: {limit} characters at most.",
    "too_many": "Too many messages at once. Wait a minute, then send again.",
    "expired": "This page had expired: please send your message again.",
    "login_title": "Operator sign-in",
    "login": "Login",
    "password": "Password",
    "sign_in": "Sign in",
    "sign_out": "Sign out",
    "wrong": "Wrong login or password.",
    "signed_in": "Signed in: {name} ({organisation})",
}


def say(lang: str, key: str, **values: object) -> str:
    return locales.gettext(lang, DOMAIN, TEXT[key], **values)


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of the transcript a page shows: the person's (`you`) or one reply (`bot`)."""

    seq: int
    who: str
    lang: str
    text: str
    choices: tuple[tuple[str, str], ...] = ()  # (what pressing it sends, its label)
    turn: int = 0
    ask_location: bool = False  # a "share my location" button, where the browser has one
    alerts: int = 0  # how many of the first lines are emergency lines (Reply.alerts): their numbers dial

    def dump(self) -> list[Any]:
        choices = [list(c) for c in self.choices]
        return [self.seq, self.who, self.lang, self.text, choices, self.turn, self.ask_location, self.alerts]

    @classmethod
    def load(cls, data: object) -> Entry | None:
        try:
            assert isinstance(data, list) and len(data) in (6, 7, 8)
            seq, who, lang, text, choices, turn = data[:6]
            pairs = tuple((str(reply), str(label)) for reply, label in choices)
            code = locales.info(str(lang)).code
            located = len(data) >= 7 and data[6] is True
            alerts = int(data[7]) if len(data) == 8 else 0
            assert 0 <= alerts <= len(str(text).splitlines())
            return cls(int(seq), str(who), code, str(text), pairs, int(turn), located, alerts)
        except (AssertionError, ValueError, TypeError):
            return None


def entries_of(data: Sequence[object]) -> list[Entry]:
    return [entry for entry in map(Entry.load, data) if entry is not None]


def reply_entries(replies: Sequence[Reply], seq: int, turn: int) -> list[Entry]:
    return [
        Entry(
            seq + i,
            "bot",
            r.lang,
            r.text,
            tuple((c.reply, c.label) for c in r.choices),
            turn,
            r.ask_location,
            len(r.alerts) if r.text.startswith("\n".join(r.alerts)) else 0,
        )
        for i, r in enumerate(replies)
        if r.text
    ]


# What a reply's text may hold that a phone can open: the bot's own links (a directions URL: directory
# text reaches a reply with its schemes defused, handlers/untrusted.py) and French phone numbers.
_LINKS = re.compile(
    r"(?P<url>https://[^\s<>\"]+[^\s<>\".,;:!?)])|(?<![\d+])(?P<tel>0[1-9](?:[ .]?\d\d){4})(?!\d)"
)


# France's emergency numbers, linked only inside a reply's emergency lines (elsewhere "15" is a street
# number or minutes). 114 is for texting (people who cannot speak or hear): sms:, not tel:.
_EMERGENCY = re.compile(
    r"(?<![\d+])(?<!\d[.,])(3114|3919|112|114|115|119|15|17)(?!\d|[.,]\d|\s?(?:h|min|km|m)\b)"
)


def _emergency_pieces(text: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    last = 0
    for match in _EMERGENCY.finditer(text):
        number = match.group(1)
        found += [
            (text[last : match.start()], None),
            (number, ("sms:" if number == "114" else "tel:") + number),
        ]
        last = match.end()
    return [*found, (text[last:], None)]


def pieces(text: str, alerts: int = 0) -> list[tuple[str, str | None]]:
    """The text cut into (words, link or None): a phone number becomes tel:+33…, a URL itself, and in
    the first `alerts` lines (the emergency lines) 3114, 3919, 112, 115, 119, 15, 17 dial, 114 texts."""
    if alerts:
        head = "\n".join(text.split("\n")[:alerts])
        return [(w, link) for w, link in (*_emergency_pieces(head), *pieces(text[len(head) :])) if w]
    found: list[tuple[str, str | None]] = []
    last = 0
    for match in _LINKS.finditer(text):
        found.append((text[last : match.start()], None))
        if match.group("url"):
            found.append((match.group("url"), match.group("url")))
        else:
            digits = re.sub(r"\D", "", match.group("tel"))
            found.append((match.group("tel"), "tel:+33" + digits[1:]))
        last = match.end()
    found.append((text[last:], None))
    return [(words, link) for words, link in found if words]


def accepted_language(header: str | None) -> str | None:
    """The first of ours in an Accept-Language header, in the order the browser lists them."""
    for part in (header or "").split(","):
        found = locales.from_tag(part.split(";", 1)[0].strip())
        if found:
            return found
    return None


def keep_replies(replies: Sequence[Reply]) -> str:
    """What a form sent twice gets again: the replies' language, text and choices (never what the
    person wrote)."""
    return json.dumps(
        [
            [r.kind.value, r.lang, r.text, [[c.reply, c.label] for c in r.choices], r.ask_location]
            for r in replies
        ],
        ensure_ascii=False,
    )


def kept_replies(kept: str) -> list[Reply]:
    try:
        return [
            Reply(ReplyKind(kind), lang, text, tuple(Choice(c, label) for c, label in choices), ask is True)
            for kind, lang, text, choices, ask in json.loads(kept)
        ]
    except (ValueError, TypeError):
        return []
