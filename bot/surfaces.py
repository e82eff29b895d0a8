"""What each channel's medium holds, handed to the conversation with every message (handlers.Surface)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.gsm import fits, for_sms, to_gsm
from bot.notices import UNAVAILABLE, say
from handlers import Screen

SMS_MAX_SEGMENTS = 3  # the longest SMS reply, in segments: what a person pays for one answer
RESULTS_PER_PAGE = 3  # three results with their footer fill about three GSM-7 segments
RESULTS_PER_UCS2_PAGE = 2  # a UCS-2 segment holds 67 characters instead of 153


@lru_cache(maxsize=64)
def travels_in_ucs2(lang: str) -> bool:
    """A language whose own words have no GSM-7 spelling (Arabic, Cyrillic, Georgian scripts): its
    replies go as UCS-2. Read from its catalog, so a new language needs no entry here."""
    return to_gsm(say(lang, UNAVAILABLE)) is None


@dataclass(frozen=True, slots=True)
class SmsSurface:
    """An SMS reply pays by the segment: it is written to fit `max_segments` in its encoding."""

    max_segments: int = SMS_MAX_SEGMENTS
    terse: bool = True
    shares_location: bool = False

    def page_size(self, lang: str) -> int:
        return RESULTS_PER_UCS2_PAGE if travels_in_ucs2(lang) else RESULTS_PER_PAGE

    def fits(self, text: str, lang: str) -> bool:
        return fits(for_sms(text), self.max_segments)


SMS = SmsSurface()
TELEGRAM = Screen(shares_location=True, max_chars=4096)  # a "share my location" button
CONSOLE = Screen()
WEB = Screen()  # the web chat (/chat): a page shows a reply whole, choices as buttons
