"""What the channels say themselves, when the conversation cannot answer: the `channels` catalog."""

from __future__ import annotations

import locales
from handlers import DEFAULT_LANG

UNAVAILABLE = "Service unavailable right now, try again later. For a bed tonight, call 115 (free, 24/7)."
MEDIA_HELP = "I only read text and locations. Write what you need and where, e.g. food Strasbourg."
SHARE_LOCATION = "Share my location"


def language(hint: str | None) -> str:
    """One of ours from a language tag ("uk-UA", "pt"), else the default."""
    return locales.from_tag(hint) or DEFAULT_LANG


def say(lang: str, msgid: str) -> str:
    return locales.gettext(language(lang), "channels", msgid)
