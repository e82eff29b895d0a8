"""A printable list for a street round, as HTML (self-contained, A4) or PDF (WeasyPrint): `solibot list`
and GET /list on the web service. Public data only: places reached on referral keep their address
private, as everywhere else."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape

from db import Commune, communes, taxonomy
from handlers import LANGUAGES, PARIS, Searcher, Sheet, round_sheet
from search import Point, Result, commune_at, fold, understand

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from bot.settings import Settings
    from bot.wiring import Clock

FORMATS = ("html", "pdf")
MAX_CATEGORIES = 8  # a round covers a few needs; more is a directory, not a list to carry
_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)
_TEMPLATES = Path(__file__).resolve().parent / "templates"


class ListError(ValueError):
    """A request for a list that cannot be made: its message says which parameter and why."""


@dataclass(frozen=True, slots=True)
class ListRequest:
    commune: Commune
    needs: tuple[str, ...]  # Soliguide category ids
    at: datetime
    lang: str
    format: str


def _need(word: str, now: datetime) -> str:
    """A category id ("food", "shower"), else a need word in any of our languages ("shelter",
    "manger", "douche")."""
    if word in taxonomy().by_id:
        return word
    found = understand(word, now).needs
    if len(found) == 1:
        return found[0].category
    raise ListError(f"categories: unknown category {word!r} (a Soliguide category id, or a need word)")


def parse_request(
    *,
    insee: str | None,
    categories: str | None,
    at: str | None,
    lang: str | None,
    fmt: str | None,
    now: datetime,
) -> ListRequest:
    """Every parameter checked, with a message that names it: the command line and GET /list share this."""
    code = (insee or "").strip().upper()
    if not _INSEE.match(code):
        raise ListError("insee: a 5-character INSEE commune code is required, e.g. 68224 for Mulhouse")
    commune = communes().get(code)
    if commune is None:
        raise ListError(f"insee: no commune has the code {code}")
    words = [w.strip() for w in (categories or "").split(",") if w.strip()]
    if not words:
        raise ListError("categories: at least one category is required, e.g. food,shelter")
    if len(words) > MAX_CATEGORIES:
        raise ListError(f"categories: at most {MAX_CATEGORIES}")
    needs = tuple(dict.fromkeys(_need(w, now) for w in words))
    when = now
    if at:
        try:
            when = datetime.fromisoformat(at.strip())
        except ValueError as exc:
            raise ListError(f"at: not an ISO 8601 date-time: {at[:40]!r}") from exc
        when = when if when.tzinfo else when.replace(tzinfo=PARIS)
    language = (lang or "fr").strip().lower()
    if language not in LANGUAGES:
        raise ListError(f"lang: one of {', '.join(LANGUAGES)}")
    form = (fmt or "html").strip().lower()
    if form not in FORMATS:
        raise ListError("format: html or pdf")
    return ListRequest(commune, needs, when.astimezone(PARIS), language, form)


def _inside(commune: Commune) -> Callable[[Result], bool]:
    name = fold(commune.name)

    def inside(result: Result) -> bool:
        """The commune the place says it is in; by postcode and nearest commune centre when it names
        none (Soliguide keeps the city of every address, so this is rare)."""
        if result.city:
            return fold(result.city) == name or fold(result.city).startswith(f"{name} ")  # "Paris 11e"
        found = commune_at(result.point)
        return (
            result.postal_code in commune.postal_codes and found is not None and found.insee == commune.insee
        )

    return inside


async def build(directory: Searcher, request: ListRequest, now: datetime) -> Sheet:
    commune = request.commune
    return await round_sheet(
        directory,
        point=Point(commune.lat, commune.lon),
        commune=f"{commune.name} ({commune.dept})",
        needs=request.needs,
        inside=_inside(commune),
        at=request.at,
        now=now,
        lang=request.lang,
    )


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(("html",)), trim_blocks=True
    )


def render_html(sheet: Sheet) -> str:
    return _environment().get_template("round.html").render(sheet=sheet)


def render_pdf(html: str) -> bytes:
    """WeasyPrint lays the same HTML out on A4 (its @page rules); imported here, since it takes a
    second to load and only this needs it."""
    from weasyprint import HTML

    pdf = HTML(string=html, base_url=str(_TEMPLATES)).write_pdf()
    if not isinstance(pdf, bytes):
        raise TypeError("WeasyPrint wrote no PDF")
    return pdf


async def render(directory: Searcher, request: ListRequest, now: datetime) -> tuple[bytes, str]:
    """The document and its media type; the PDF is laid out off the event loop."""
    html = render_html(await build(directory, request, now))
    if request.format == "pdf":
        return await asyncio.to_thread(render_pdf, html), "application/pdf"
    return html.encode("utf-8"), "text/html; charset=utf-8"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lst = sub.add_parser("list", help="a printable list of places for a street round (HTML or PDF)")
    lst.add_argument("--insee", required=True, metavar="CODE", help="the commune, e.g. 68224 (Mulhouse)")
    lst.add_argument(
        "--categories",
        required=True,
        metavar="LIST",
        help="comma-separated Soliguide category ids or need words, e.g. food,shower,shelter",
    )
    lst.add_argument("--at", metavar="ISO8601", help="the round's date and hour (default: now, Europe/Paris)")
    lst.add_argument("--format", choices=FORMATS, default="html")
    lst.add_argument("--lang", default="fr", help="language of the list (12 Soliguide languages)")
    lst.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    """`solibot list`; a bad parameter raises ListError (bot/commands.py prints it, exit status 2)."""
    now = datetime.now(PARIS)
    request = parse_request(
        insee=args.insee, categories=args.categories, at=args.at, lang=args.lang, fmt=args.format, now=now
    )
    from db.sql import SqlIndex, make_async_engine, prepare
    from search import Directory

    prepare(settings.database_url, now=now, seed_sample=settings.seed_sample).dispose()

    async def run() -> tuple[bytes, str]:
        engine = make_async_engine(settings.database_url)
        try:
            return await render(Directory(SqlIndex(engine)), request, now)
        finally:
            await engine.dispose()

    body, _ = asyncio.run(run())
    if args.out:
        Path(args.out).write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
    return 0


def list_endpoint(clock: Clock) -> Callable[[Request], Awaitable[Response]]:
    """GET /list?insee=68224&categories=food,shower&at=2026-12-03T20:00&lang=fr&format=pdf: the same
    list, for a partner's page or a volunteer's phone. A bad parameter: 400 with its reason."""
    from starlette.responses import PlainTextResponse, Response

    async def endpoint(request: Request) -> Response:
        params: Mapping[str, str] = request.query_params
        try:
            asked = parse_request(
                insee=params.get("insee"),
                categories=params.get("categories"),
                at=params.get("at"),
                lang=params.get("lang"),
                fmt=params.get("format"),
                now=clock(),
            )
        except ListError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        resources = request.state.resources
        body, media_type = await render(resources.deps.directory, asked, clock())
        name = f"solibot-{asked.commune.insee}-{asked.at:%Y%m%d-%H%M}.{asked.format}"
        return Response(
            body, media_type=media_type, headers={"Content-Disposition": f'inline; filename="{name}"'}
        )

    return endpoint
