"""What each `solibot` sub-command does; argument parsing lives in bot/__main__.py.

The storage (SQLAlchemy, Alembic), the web stack and progress bars are imported by the commands that
use them: `solibot parse` reads messages without loading any of them (bench/startup.py times it)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from datetime import datetime, time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings
from db import communes, generate_sample, taxonomy
from handlers import LANGUAGES, PARIS, describe
from search import Directory, Point, Query, Result, SearchPage, understand, use_index_directory

if TYPE_CHECKING:
    from tqdm import tqdm

log = logging.getLogger(__name__)


class CommandError(Exception):
    """A user mistake on the command line: printed as one line, exit status 2."""


def configure(settings: Settings) -> None:
    """What every command's process shares: the indexes it builds are kept in CACHE_DIR for the
    next start (search/prebuilt.py)."""
    use_index_directory(settings.cache_dir)


def parse_instant(value: str | None) -> datetime:
    """An ISO 8601 instant; without an offset it is read as Europe/Paris wall-clock time."""
    if not value:
        return datetime.now(PARIS)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not an ISO 8601 date-time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Each file alone: one that fails prints one line (no traceback, no SQL parameters), leaves
    the database as it was, and the next file is still tried; -v logs the traceback on stderr."""
    if args.format == "data-inclusion":
        return _import_data_inclusion(args, settings)
    from tqdm import tqdm

    from db.sql import MAX_INFLATED_BYTES, describe_failure, import_file, prepare

    limit = args.max_inflated_mb * 1024 * 1024 if args.max_inflated_mb else MAX_INFLATED_BYTES
    engine = None
    status = 0
    for name in args.files:
        try:
            if engine is None:  # a database down at the first file may be up at the next
                engine = prepare(settings.database_url, now=datetime.now(PARIS), seed_sample=False)
            with tqdm(unit="place", desc=Path(name).name, delay=2, file=sys.stderr) as bar:
                report = import_file(
                    engine,
                    Path(name),
                    source=args.source or "soliguide",
                    progress=bar.update,
                    max_inflated_bytes=limit,
                )
        except Exception as exc:  # any failure stops this file only
            if args.verbose:  # the traceback may quote SQL parameters: only when asked for
                log.info("import file=%s failed", name, exc_info=True)
            cause = describe_failure(exc)
            _out(
                json.dumps({"file": name, "error": cause}, ensure_ascii=False)
                if args.json
                else f"{name}: {cause}"
            )
            status = 1
            continue
        if report.rejected_count:
            status = 1  # scripts notice a partial import; the report says which records and why
        if args.json:
            _out(
                json.dumps(
                    {
                        "file": name,
                        "created": report.created,
                        "updated": report.updated,
                        "rejected_count": report.rejected_count,
                        "rejected": [
                            {"index": r.index, "lieu_id": r.lieu_id, "reason": r.reason}
                            for r in report.rejected
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            counts = f"{report.created} created, {report.updated} updated"
            _out(f"{name}: {counts}, {report.rejected_count} rejected")
            for rejected in report.rejected:
                _out(f"  record #{rejected.index} (lieu_id {rejected.lieu_id}): {rejected.reason}")
            if report.more_rejected:
                _out(f"  … and {report.more_rejected} more rejected records, not listed")
    return status


class _SyncBars:
    """Progress on stderr, only when it is a terminal: places listed (of those the listings announce),
    then places written."""

    def __init__(self, label: str) -> None:
        from tqdm import tqdm

        self._listing = tqdm(unit="place", desc=f"listing {label}", file=sys.stderr, disable=None, delay=1)
        self._writing: tqdm[None] | None = None

    def fetched(self, places: int, announced: int) -> None:
        self._listing.total = announced
        self._listing.update(places)

    def written(self, places: int) -> None:
        if self._writing is None:
            self._listing.total = self._listing.n  # listings overlap: what they announce is an upper bound
            self._listing.close()
            from tqdm import tqdm

            self._writing = tqdm(unit="place", desc="writing", file=sys.stderr, disable=None, delay=1)
        self._writing.update(places)

    def close(self) -> None:
        self._listing.close()
        if self._writing is not None:
            self._writing.close()


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    """One run over the departments: a failure prints one line (no token, no SQL parameters), leaves
    the directory as it was and is recorded in import_run; -v logs the traceback on stderr."""
    from bot.sync import describe as describe_sync
    from bot.sync import resolve_departments, soliguide_api, sync_soliguide
    from db.sql import SyncReport, prepare

    if settings.soliguide_api_token is None:
        raise CommandError("set SOLIGUIDE_API_TOKEN to a Soliguide partner account's token")
    try:
        depts = resolve_departments(args.departments or settings.sync_departments())
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    label = "soliguide " + ", ".join(d.slug for d in depts)

    async def run(bars: _SyncBars) -> SyncReport | None:
        engine = await asyncio.to_thread(
            prepare, settings.database_url, now=datetime.now(PARIS), seed_sample=False
        )
        api = soliguide_api(settings)
        try:
            clock = partial(datetime.now, PARIS)
            return await sync_soliguide(engine, api, depts, source=args.source, progress=bars, clock=clock)
        finally:
            await api.aclose()
            engine.dispose()

    bars = _SyncBars(label)
    try:
        report = asyncio.run(run(bars))
    except Exception as exc:  # any failure: one line, the directory untouched
        bars.close()
        if args.verbose:  # the traceback may quote SQL parameters: only when asked for
            log.info("sync %s failed", label, exc_info=True)
        cause = describe_sync(exc)
        _out(
            json.dumps({"sync": label, "error": cause}, ensure_ascii=False)
            if args.json
            else f"{label}: {cause}"
        )
        return 1
    bars.close()
    assert report is not None  # no `due` asked: a run always happens
    if args.json:
        listed = [{"index": r.index, "lieu_id": r.lieu_id, "reason": r.reason} for r in report.rejected]
        _out(
            json.dumps(
                {
                    "sync": label,
                    "created": report.created,
                    "updated": report.updated,
                    "offline": report.offline,
                    "unchecked": list(report.unchecked),
                    "held": list(report.held),
                    "rejected_count": report.rejected_count,
                    "rejected": listed,
                },
                ensure_ascii=False,
            )
        )
    else:
        counts = f"{report.created} created, {report.updated} updated, {report.offline} set offline"
        _out(f"{label}: {counts}, {report.rejected_count} rejected")
        for code in report.unchecked:
            _out(f"  department {code}: listed incompletely, none of its places set offline this time")
        for code in report.held:
            _out(f"  department {code}: most places missing, none set offline (the account's territories?)")
        for rejected in report.rejected:
            _out(f"  record #{rejected.index} (lieu_id {rejected.lieu_id}): {rejected.reason}")
        if report.more_rejected:
            _out(f"  … and {report.more_rejected} more rejected records, not listed")
    return 1 if report.rejected_count else 0


_NOTES = {
    "hours": "with hours kept unknown (not one repeating week, see docs/data-inclusion.md)",
    "thematiques": "services with a thematique Soliguide has no category for",
    "remote": "services given at a distance only, not imported",
}


def _import_data_inclusion(args: argparse.Namespace, settings: Settings) -> int:
    """data·inclusion's structures and services files, imported together or not at all: a failure
    prints one line and leaves the database as it was (docs/data-inclusion.md)."""
    from tqdm import tqdm

    from db.sql import MAX_INFLATED_BYTES, describe_failure, prepare
    from db.sql.datainclusion import DATA_INCLUSION_SOURCE, import_data_inclusion

    if len(args.files) != 2:
        raise CommandError("--format data-inclusion takes two files: structures.json services.json")
    limit = args.max_inflated_mb * 1024 * 1024 if args.max_inflated_mb else MAX_INFLATED_BYTES
    names = " + ".join(args.files)
    try:
        engine = prepare(settings.database_url, now=datetime.now(PARIS), seed_sample=False)
        with tqdm(unit="structure", desc="data·inclusion", delay=2, file=sys.stderr) as bar:
            report = import_data_inclusion(
                engine,
                Path(args.files[0]),
                Path(args.files[1]),
                prefix=args.source or DATA_INCLUSION_SOURCE,
                progress=bar.update,
                max_inflated_bytes=limit,
            )
    except Exception as exc:  # one line, the database untouched
        if args.verbose:  # the traceback may quote SQL parameters: only when asked for
            log.info("import files=%s failed", names, exc_info=True)
        cause = describe_failure(exc)
        failed = {"files": args.files, "error": cause}
        _out(json.dumps(failed, ensure_ascii=False) if args.json else f"{names}: {cause}")
        return 1
    if args.json:
        _out(
            json.dumps(
                {
                    "files": args.files,
                    "created": report.created,
                    "updated": report.updated,
                    "rejected_count": report.rejected_count,
                    "rejected": [
                        {"file": r.file, "index": r.index, "id": r.record_id, "reason": r.reason}
                        for r in report.rejected
                    ],
                    "notes": [{"kind": n.kind, "id": n.record_id, "detail": n.detail} for n in report.notes],
                    "note_counts": report.note_counts,
                    "soliguide_skipped": report.soliguide_skipped,
                    "soliguide_removed": report.soliguide_removed,
                },
                ensure_ascii=False,
            )
        )
        return 1 if report.rejected_count else 0
    counts = f"{report.created} created, {report.updated} updated, {report.rejected_count} rejected"
    _out(f"{names}: {counts}")
    for rejected in report.rejected:
        _out(f"  {rejected.file} record #{rejected.index} ({rejected.record_id}): {rejected.reason}")
    if report.more_rejected:
        _out(f"  … and {report.more_rejected} more rejected records, not listed")
    if report.soliguide_skipped:
        removed = f", {report.soliguide_removed} earlier copies deleted" if report.soliguide_removed else ""
        _out(f"  {report.soliguide_skipped} Soliguide places skipped: loaded from Soliguide itself{removed}")
    for kind, count in sorted(report.note_counts.items()):
        _out(f"  {count} {_NOTES.get(kind, kind)}")
        listed = [n for n in report.notes if n.kind == kind]
        for note in listed[:10]:
            _out(f"    {note.record_id}: {note.detail}")
        if count > 10:
            _out(f"    … and {count - 10} more (--json lists up to 1,000)")
    return 1 if report.rejected_count else 0


def cmd_sample(args: argparse.Namespace, settings: Settings) -> int:
    now = parse_instant(args.at)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write("[\n")
            for index, doc in enumerate(generate_sample(seed=args.seed, services=args.services, now=now)):
                handle.write((",\n" if index else "") + json.dumps(doc, ensure_ascii=False))
            handle.write("\n]\n")
        _out(f"wrote {args.output}")
        return 0
    from tqdm import tqdm

    from db.sql import load_sample, prepare

    engine = prepare(settings.database_url, now=now, seed_sample=False)
    with tqdm(unit="place", desc="sample", file=sys.stderr) as bar:
        report = load_sample(engine, now=now, seed=args.seed, services=args.services, progress=bar.update)
    _out(f"sample: {report.created} created, {report.updated} updated, {len(report.rejected)} rejected")
    for rejected in report.rejected[:20]:
        _out(f"  record #{rejected.index} (lieu_id {rejected.lieu_id}): {rejected.reason}")
    return 1 if report.rejected else 0


def _point(args: argparse.Namespace) -> Point:
    if args.near:
        try:
            lat, lon = (float(x) for x in args.near.split(","))
            return Point(lat, lon)
        except ValueError as exc:
            raise CommandError(f"--near wants LAT,LON in degrees, got {args.near!r}") from exc
    commune = communes().get(args.insee)
    if commune is None:
        raise CommandError(f"unknown INSEE code {args.insee!r}")
    return Point(commune.lat, commune.lon)


def result_json(result: Result, at: datetime, lang: str, radius_km: float) -> dict[str, object]:
    state = result.state
    return {
        "lieu_id": result.lieu_id,
        "source": result.source,
        "name": result.place_name,
        "service": result.service_name,
        "category": result.category,
        "distance_m": round(result.distance_m),
        "lat": result.point.lat,
        "lon": result.point.lon,
        "address": result.address,
        "postal_code": result.postal_code,
        "city": result.city,
        "phone": result.phone,
        "open": state.open,
        "closes_at": state.closes_at.isoformat() if state.closes_at else None,
        "opens_at": state.opens_at.isoformat() if state.opens_at else None,
        "hours_today": [
            [a.strftime("%H:%M"), "24:00" if b == time() else b.strftime("%H:%M")] for a, b in state.today
        ],
        "state": describe(state, at, lang),
        "temp_message": result.temp_message,
        "conditions": [kind for kind, _ in result.conditions],
        "verified_at": result.verified_at.isoformat() if result.verified_at else None,
        "radius_km": radius_km,
    }


async def _search(settings: Settings, query: Query) -> SearchPage:
    from db.sql import SqlIndex, make_async_engine

    engine = make_async_engine(settings.database_url)
    try:
        return await Directory(SqlIndex(engine)).search(query)
    finally:
        await engine.dispose()


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    at = parse_instant(args.at)
    if args.lang not in LANGUAGES:
        raise CommandError(f"unknown language {args.lang!r}: choose one of {', '.join(LANGUAGES)}")
    try:
        query = Query(
            point=_point(args),
            at=at,
            categories=tuple(args.category),
            radius_km=args.radius,
            limit=args.limit,
            offset=args.offset,
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    unknown = [c for c in query.categories if c not in taxonomy().by_id]
    if unknown:
        raise CommandError(f"unknown category {', '.join(unknown)}")
    from db.sql import prepare

    prepare(settings.database_url, now=at, seed_sample=settings.seed_sample).dispose()
    page = asyncio.run(_search(settings, query))
    for result in page.results:
        row = result_json(result, at, args.lang, page.radius_km)
        if args.json:
            _out(json.dumps(row, ensure_ascii=False))
        else:
            _out(
                f"{row['distance_m']:>6} m  {result.place_name} — {result.service_name or result.category}"
                f"  [{row['state']}]  {result.address}  {result.phone or ''}"
            )
    if not args.json:
        _out(f"{len(page.results)} of {page.total} within {page.radius_km:g} km")
    return 0


def _understanding_json(item_id: object, text: str, now: datetime) -> dict[str, object]:
    try:
        found = understand(text, now)
    except Exception:  # a reader bug must not stop a batch: the line gets an empty reading
        log.exception("parse failed id=%s", item_id)
        return {
            "id": item_id,
            "language": "fr",
            "needs": [],
            "candidates": [],
            "place": None,
            "when": None,
            "confidence": 0.0,
        }
    place = found.place
    return {
        "id": item_id,
        "language": found.language,
        "needs": [n.category for n in found.needs],
        "candidates": [n.category for n in found.candidates],
        "place": {"lat": place.point.lat, "lon": place.point.lon, "label": place.label, "insee": place.insee}
        if place
        else None,
        "when": {"start": found.when.start.isoformat(), "end": found.when.end.isoformat()}
        if found.when
        else None,
        "confidence": found.confidence,
    }


def cmd_parse(args: argparse.Namespace, settings: Settings) -> int:
    now = parse_instant(args.now)
    if args.text is not None:
        _out(json.dumps(_understanding_json(None, args.text, now), ensure_ascii=False, indent=2))
        return 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item.get("text") if isinstance(item, dict) else None
        except json.JSONDecodeError:
            item, text = {}, None
        if not isinstance(text, str):
            _out(
                json.dumps(
                    {
                        "id": item.get("id") if isinstance(item, dict) else None,
                        "line": number,
                        "error": "expected a JSON object with a text field",
                    }
                )
            )
            continue
        _out(json.dumps(_understanding_json(item.get("id"), text, now), ensure_ascii=False))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import run_chat

    return run_chat(
        once=args.once,
        channel=args.channel,
        user=args.user,
        at=parse_instant(args.at) if args.at else None,
        lang=args.lang,
        settings=settings,
    )


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import serve

    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    return serve(settings, host=args.host, port=args.port, workers=args.workers)


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    from bot.telegram import run_polling

    if settings.telegram_bot_token is None:
        raise CommandError("set TELEGRAM_BOT_TOKEN to run the Telegram bot")
    return run_polling(settings)


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    """`solibot list`: a printable list of places for a street round (bot/printable.py)."""
    from bot.printable import ListError
    from bot.printable import cmd_list as run

    try:
        return run(args, settings)
    except ListError as exc:
        raise CommandError(str(exc)) from exc


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    """`solibot stats`: searches, unmet needs and the data-quality index (bot/report.py)."""
    from bot.report import cmd_stats as run

    return run(args, settings)


def cmd_operators(args: argparse.Namespace, settings: Settings) -> int:
    """`solibot operators add|list|remove|invite` (bot/operators_cli.py)."""
    from bot.operators_cli import cmd_operators as run

    return run(args, settings)


def cmd_reports(args: argparse.Namespace, settings: Settings) -> int:
    """`solibot reports list|export --since 2026-11-01` (bot/place_reports.py)."""
    from bot.place_reports import cmd_reports as run

    return run(args, settings)
