"""The few words that steer the conversation (STOP, PLUS, a number, a language), read before any search."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

MAX_CHARS = 1000  # a need and a place are named early; a pasted page must not cost more than a message

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


class Command(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    MENU = "menu"
    MORE = "more"
    NUMBER = "number"
    LANGUAGE_MENU = "language_menu"
    LANGUAGE = "language"
    THANKS = "thanks"


@dataclass(frozen=True, slots=True)
class Parsed:
    command: Command | None
    number: int | None = None
    lang: str | None = None


def clean(text: str) -> str:
    """Control characters out, whitespace collapsed, length capped: what every reader receives."""
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c != "\u200c" else c for c in text
    )
    return re.sub(r"\s+", " ", kept).strip()[:MAX_CHARS]


def fold(text: str) -> str:
    """Lower case, no accents (Latin only), Eastern digits as ASCII, no end punctuation."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_DIGITS))
    text = "".join(c for c in text if not 0x0300 <= ord(c) <= 0x036F)
    return unicodedata.normalize("NFC", text).strip(" .!?¡¿,;:-_*'\"()").strip()


def _folded(words: set[str]) -> frozenset[str]:
    return frozenset(fold(w) for w in words)


_STOP = _folded(
    {"stop", "arret", "arreter", "stopall", "unsubscribe", "cancel", "end", "quit", "desinscription"}
)
_START = _folded({"start", "demarrer", "unstop", "commencer", "reprendre"})
_HELP = _folded(
    {
        "help",
        "aide",
        "?",
        "info",
        "aiuto",
        "ayuda",
        "ajuda",
        "ajutor",
        "помощь",
        "допомога",
        "مساعدة",
        "کمک",
        "مرسته",
        "დახმარება",
    }
)
_GREETINGS = _folded(
    {
        "bonjour",
        "bonsoir",
        "salut",
        "slt",
        "bjr",
        "coucou",
        "hello",
        "hi",
        "hey",
        "hola",
        "buenas",
        "olá",
        "ola",
        "oi",
        "bon dia",
        "bona tarda",
        "buna",
        "bună",
        "buna ziua",
        "bună ziua",
        "привет",
        "здравствуйте",
        "привіт",
        "добрий день",
        "مرحبا",
        "السلام عليكم",
        "سلام",
        "გამარჯობა",
    }
)
_THANKS = _folded(
    {
        "merci",
        "merci beaucoup",
        "thanks",
        "thank you",
        "thx",
        "gracias",
        "obrigado",
        "obrigada",
        "gràcies",
        "mulțumesc",
        "multumesc",
        "спасибо",
        "дякую",
        "شكرا",
        "شكراً",
        "مرسی",
        "ممنون",
        "مننه",
        "მადლობა",
    }
)
_MENU = _folded({"menu", "menú", "меню", "منو", "مینو", "قائمة", "მენიუ", "meniu", "0"})
_MORE = _folded(
    {
        "plus",
        "more",
        "+",
        "suite",
        "next",
        "encore",
        "mas",
        "más",
        "mais",
        "més",
        "mai mult",
        "ещё",
        "еще",
        "далі",
        "ще",
        "المزيد",
        "بیشتر",
        "نور",
        "მეტი",
        "suivant",
    }
)
_LANG_MENU = _folded(
    {
        "langue",
        "language",
        "langues",
        "languages",
        "idioma",
        "língua",
        "lingua",
        "llengua",
        "limba",
        "язык",
        "мова",
        "لغة",
        "اللغة",
        "زبان",
        "ژبه",
        "ენა",
        "lang",
    }
)

# Whole-message ways to pick a language directly: codes, autonyms, French and English names.
LANGUAGE_WORDS: dict[str, str] = {}
for _lang, _words in {
    "fr": "fr francais french français",
    "en": "en english anglais",
    "ar": "ar arabic arabe عربي العربية عربى",
    "es": "es espanol español spanish espagnol castellano",
    "ru": "ru russian russe русский рус",
    "ps": "ps pashto pachto پښتو پشتو",
    "fa": "fa farsi persian persan فارسی فارسي دری",
    "uk": "uk ua ukrainian ukrainien українська украинский",
    "ca": "ca catala català catalan",
    "ka": "ka georgian georgien géorgien ქართული",
    "ro": "ro romana română romanian roumain",
    "pt": "pt portugues português portuguese portugais",
}.items():
    for _word in _words.split():
        LANGUAGE_WORDS[fold(_word)] = _lang


def parse(text: str) -> Parsed:
    """What a short steering message asks; `command=None` for everything else (a need, a place…)."""
    bare = text.strip()
    if bare in ("+", "?"):
        return Parsed(Command.MORE if bare == "+" else Command.HELP)
    word = fold(text)
    if not word:
        return Parsed(None)
    if word in _STOP:
        return Parsed(Command.STOP)
    if word in _START:
        return Parsed(Command.START)
    if word in _HELP or word in _GREETINGS:
        return Parsed(Command.HELP)
    if word in _THANKS:
        return Parsed(Command.THANKS)
    if word in _MENU:
        return Parsed(Command.MENU)
    if word in _MORE:
        return Parsed(Command.MORE)
    if word in _LANG_MENU:
        return Parsed(Command.LANGUAGE_MENU)
    if word in LANGUAGE_WORDS:
        return Parsed(Command.LANGUAGE, lang=LANGUAGE_WORDS[word])
    match = re.fullmatch(r"(?:n[°o]?\s*|#\s*)?(\d{1,6})", word)
    if match:
        return Parsed(Command.NUMBER, number=int(match.group(1)))
    return Parsed(None)
