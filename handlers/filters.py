"""Who is asking and what they bring (a dog, a wheelchair), read cheaply from the words of a message."""

from __future__ import annotations

import re

from handlers.keywords import fold
from search import Filters

_WORDS: dict[str, str] = {
    "women": (
        "femme* fille une femme woman women mujer* mulher* dona dones femei* женщин* жінк* امرأة "
        "نساء زن زنان ښځ* ქალ*"
    ),
    # A man must not be sent to a women-only shelter. Catalan "home" is left out: English "home".
    "men": (
        "homme hommes man men guy hombre hombres homem homens barbat barbati мужчина мужчин* чоловік "
        "чоловіки رجل رجال مرد مردان سړی კაცი მამაკაც*"
    ),
    "animals": (
        "chien* chat chats animal animaux dog* cat pet* perro* gato* cão cães cachorro* gos gossos "
        "câine* caine* собак* пес кошк* кіт кота كلب* سگ سپی* ძაღლ*"
    ),
    "free": ("gratuit* free gratis gratuito* gratuït* бесплатн* безкоштовн* مجاني* رایگان وړیا უფასო"),
    "wheelchair": (
        "fauteuil wheelchair silla de ruedas cadeira de rodas cadira de rodes scaun cu rotile "
        "инвалидн* коляск* інвалідн* кріс* كرسي ویلچر ეტლ*"
    ),
    "couple": ("couple couples pareja casal parella cuplu пара زوجين زوجان زوج"),
    "family": (
        "enfant* famille children kids family niños hijos filhos crianças fills copii дети детьми "
        "діти дітьми أطفال اطفال بچه* ماشوم* ბავშვ*"
    ),
}


def _pattern(spec: str) -> re.Pattern[str]:
    parts = []
    for term in spec.split():
        body = re.escape(fold(term.rstrip("*")))
        parts.append(body + (r"\w*" if term.endswith("*") else ""))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


_PATTERNS = {key: _pattern(spec) for key, spec in _WORDS.items()}


def read_filters(text: str) -> Filters:
    words = " ".join(fold(w) or w for w in text.lower().split())
    found = {key for key, pattern in _PATTERNS.items() if pattern.search(words)}
    family = "couple" if "couple" in found else "family" if "family" in found else None
    genders = sorted(found & {"women", "men"})  # both named: a couple or a family, no gender filter
    return Filters(
        gender=genders[0] if len(genders) == 1 else None,
        family=family,
        free="free" in found,
        animals="animals" in found,
        wheelchair="wheelchair" in found,
    )
