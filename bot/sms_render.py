"""Replies as SMS bodies: compact, GSM-7 where a Latin spelling exists, cut into pages that fit the budget."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.gsm import paginate, sms_blocks, squeeze
from bot.notices import UNAVAILABLE, say
from handlers import Reply, ReplyKind

MAX_PAGES_PER_REPLY = 3  # a details reply in UCS-2 needs them; past that the conversation should page

_NUMBERED = re.compile(r"^\d+[.)] ")
# The bot's own links, the only ones kept whole at any cost: the directions to a result, which
# handlers.pages builds from its coordinates. Known by their exact shape rather than by "https://", so
# that a link in a place's name or message could never claim the room (handlers defuse every link of
# the directory's text; this is the second lock). A new link of ours is added here and to its test.
_OWN_LINK = re.compile(
    r"https://www\.openstreetmap\.org/directions\?to=-?\d{1,2}\.\d{1,6},-?\d{1,3}\.\d{1,6}(?!\S)"
)


def own_link(line: str) -> bool:
    return _OWN_LINK.search(line) is not None


def _tail(blocks: Sequence[str]) -> int:
    """Where the lines that must reach the phone begin: the directions links at the end, and the
    last line when it is an instruction ("PLUS pour la suite…", "Envoyez un numéro…") rather than
    a numbered choice or a reply of one line."""
    start = len(blocks)
    if len(blocks) > 1 and "\n" not in blocks[-1] and not _NUMBERED.match(blocks[-1]):
        start -= 1
    while start > 0 and own_link(blocks[start - 1]):
        start -= 1
    return start


def _ranker(blocks: Sequence[str], earlier: Sequence[str], page: Sequence[str]) -> Callable[[int, str], int]:
    """What to give up first on a full page: a line already said (the "call before you go" caveat
    repeated under each result), then the third and later lines of a result, then its address, then
    titles, the page's first line last. A link of ours is never given up."""
    depth: dict[str, int] = {}
    for block in blocks:
        for index, line in enumerate(block.split("\n")):
            depth.setdefault(line, min(index, 2))
    said = set(earlier)

    def rank(position: int, line: str) -> int:
        if own_link(line):
            return 99
        if position == 0:
            return 5
        if line in said or line in page[:position]:
            return 0
        return {2: 1, 1: 2}.get(depth.get(line, 0), 3)

    return rank


def pages(reply: Reply, max_segments: int) -> tuple[str, ...]:
    """One Reply as SMS bodies: compact, GSM-7 unless another script needs UCS-2, at most
    `max_segments` each and `MAX_PAGES_PER_REPLY` in all. The instructions and links at the end always
    arrive, on the last page rather than alone on one more SMS: content gives way to them."""
    blocks = sms_blocks(reply.text)
    start = _tail(blocks)
    body, tail = blocks[:start], [line for block in blocks[start:] for line in block.split("\n")]
    found = paginate("", max_segments, blocks=body) if body else ()
    truncated = len(found) > MAX_PAGES_PER_REPLY
    found = found[:MAX_PAGES_PER_REPLY]
    if not tail and not truncated:
        return found
    *kept, last = found or ("",)
    head = [line for line in last.split("\n") if line]
    earlier = [line for page in kept for line in page.split("\n")]
    rank = _ranker(body, earlier, head)
    squeezed = squeeze(head, tail, max_segments, rank=rank, truncated=truncated)
    return (*kept, *paginate(squeezed, max_segments))


def bodies(replies: Sequence[Reply], max_segments: int) -> tuple[str, ...]:
    return tuple(body for reply in replies for body in pages(reply, max_segments))


def unavailable(lang: str, max_segments: int) -> str:
    """Sent when the database or the session store is down: short, localized, and it names 115."""
    text = say(lang, UNAVAILABLE)
    return pages(Reply(ReplyKind.NOTICE, lang, text), max_segments)[0]
