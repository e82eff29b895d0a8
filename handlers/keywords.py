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
    ACK = "ack"  # "ok", "oui": a nod, not a question


@dataclass(frozen=True, slots=True)
class Parsed:
    command: Command | None
    number: int | None = None
    lang: str | None = None  # the language asked for (LANGUAGE), or the one the command word is in


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
    {
        "stop",
        "arret",
        "arreter",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "desinscription",
        "arreter les messages",
        "arretez les messages",
        "arrete les messages",
        "arreter les sms",
        "stop messages",
        "stop sms",
        "je veux plus de messages",
        "je ne veux plus de messages",
    }
)
_ACK = _folded(
    {
        "ok",
        "okay",
        "okey",
        "oki",
        "d'accord",
        "dac",
        "d'ac",
        "oui",
        "ouais",
        "yes",
        "yeah",
        "yep",
        "alright",
        "all right",
        "si",
        "sí",
        "vale",
        "de acuerdo",
        "sim",
        "ta bom",
        "tá bom",
        "d'acord",
        "da",
        "bine",
        "bun",
        "да",
        "хорошо",
        "ладно",
        "ок",
        "так",
        "добре",
        "гаразд",
        "نعم",
        "حسنا",
        "حسناً",
        "طيب",
        "باشه",
        "بله",
        "آره",
        "اره",
        "هو",
        "ښه",
        "კი",
        "დიახ",
        "კარგი",
    }
)
# Politeness around a command word: "stop svp", "plus merci", "help please".
_POLITE = re.compile(
    r"^(?:please|pls|svp|stp|por favor|bitte)\s+"
    r"|\s+(?:svp|stp|s'il vous pla[iî]t|s'il te pla[iî]t|please|pls|plz|merci|por favor|"
    r"per favore|si us plau|va rog|vă rog|пожалуйста|будь ласка|لطفا|لطفاً|من فضلك|مهرباني وکړئ|გთხოვთ)$"
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
        "suivants",
        "la suite",
        "дальше",
        "далее",
        "следующие",
        "більше",
        "наступні",
        "siguiente",
        "seguinte",
        "urmatorul",
        "următorul",
        "التالي",
        "بعدی",
        "შემდეგი",
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


# Command words that only one of our languages uses: a first "unsubscribe" or "help" is answered in
# English, a first "ayuda" in Spanish. Shared words ("stop", "menu", "info") say nothing.
COMMAND_LANGUAGE: dict[str, str] = {}
for _lang, _words in {
    "en": "help unsubscribe cancel quit language languages more next thanks thank you yes yeah okay",
    "es": "ayuda idioma gracias más siguiente vale",
    "pt": "ajuda língua obrigado obrigada mais seguinte",
    "ca": "llengua gràcies més",
    "ro": "ajutor limba mulțumesc multumesc următorul",
    "ru": "помощь язык спасибо ещё еще дальше далее хорошо",
    "uk": "допомога мова дякую далі більше добре",
    "ar": "مساعدة لغة اللغة المزيد شكرا نعم",
    "fa": "کمک زبان بیشتر مرسی ممنون بله",
    "ps": "مرسته ژبه مننه",
    "ka": "დახმარება ენა მეტი მადლობა",
    "fr": "aide langue langues merci suite suivant arreter oui",
}.items():
    for _word in _words.split():
        COMMAND_LANGUAGE.setdefault(fold(_word), _lang)


def _steering(text: str) -> str:
    """The message folded, without the "svp"/"please" around a command word."""
    word = fold(text)
    return _POLITE.sub("", word).strip() or word


def parse(text: str) -> Parsed:
    """What a short steering message asks; `command=None` for everything else (a need, a place…)."""
    bare = text.strip()
    if bare in ("+", "?"):
        return Parsed(Command.MORE if bare == "+" else Command.HELP)
    word = _steering(text)
    if not word:
        return Parsed(None)
    parsed = _command(word)
    if parsed.command not in (None, Command.LANGUAGE, Command.NUMBER):
        return Parsed(parsed.command, lang=COMMAND_LANGUAGE.get(word))
    return parsed


def _command(word: str) -> Parsed:
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
    if word in _ACK:
        return Parsed(Command.ACK)
    if word in LANGUAGE_WORDS:
        return Parsed(Command.LANGUAGE, lang=LANGUAGE_WORDS[word])
    match = re.fullmatch(r"(?:n[°o]?\s*|#\s*)?(\d{1,6})", word)
    if match:
        return Parsed(Command.NUMBER, number=int(match.group(1)))
    return Parsed(None)
