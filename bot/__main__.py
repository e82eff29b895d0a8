"""The `solibot` command: chat, serve, telegram, import, sync, sample, search, parse."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import NoReturn

from pydantic import ValidationError

from bot import commands, logs
from bot.settings import Settings

# Sub-commands whose own module declares their arguments (`add_parser(sub)`), with the line `solibot
# --help` shows for them: a module is imported only when its command is the one asked for, so that no
# command pays for another's imports (bot.report alone loads the database layer: a second of start-up).
_COMMAND_MODULES: dict[str, tuple[str, str]] = {
    "stats": ("bot.report", "searches, unmet needs and the data-quality index: tables, CSV, HTML"),
    "operators": ("bot.operators_cli", "register 115 operators and outreach volunteers"),
    "list": ("bot.printable", "a printable list of places for a street round: HTML or PDF"),
    "reports": ("bot.place_reports", "places reported wrong: list them, or export CSV for the directory"),
}
# Commands that answer and end: run as the program, their process ends as soon as the answer is out and
# the operating system takes its memory back whole. Finalising the interpreter (a last garbage
# collection over the town, word and crisis indexes, then freeing their million objects one by one)
# cost `chat --once` 0.4 s of CPU after its answer. Not the commands that serve, import or sync, whose
# libraries may count on exit handlers.
_EXIT_AT_ONCE = frozenset({"chat", "parse", "search"})


def _one_answer(args: argparse.Namespace) -> bool:
    """`chat --once`, `parse TEXT`, `search`: a process that answers once and ends."""
    if args.command == "chat":
        return args.once is not None
    return args.command == "search" or (args.command == "parse" and args.text is not None)


def _parser(wanted: str | None = None) -> argparse.ArgumentParser:
    """All sub-commands; of those in _COMMAND_MODULES, only `wanted` with its arguments."""
    parser = argparse.ArgumentParser(
        prog="solibot", description="Find social help nearby: SMS, Telegram, console."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level on stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal (SQLite + sample data, no account)")
    chat.add_argument("--once", metavar="TEXT", help="answer one message and exit")
    chat.add_argument("--channel", choices=("console", "sms", "telegram"), default="console")
    chat.add_argument("--user", help="a name that keeps your session across calls (stored in the database)")
    chat.add_argument("--at", metavar="ISO8601", help="fix the clock (aware or Europe/Paris)")
    chat.add_argument("--lang", help="reply language (12 Soliguide languages)")

    serve = sub.add_parser("serve", help="run the web service (Twilio SMS and Telegram webhooks)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)

    telegram = sub.add_parser("telegram", help="run the Telegram bot")
    telegram.add_argument("--polling", action="store_true", required=True, help="long polling, for local use")

    imp = sub.add_parser(
        "import", help="import Soliguide place exports, or data·inclusion's structures and services"
    )
    imp.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="Soliguide: a JSON array, one place a line (mongoexport, Extended JSON too) or a saved "
        '{"nbResults", "places"} answer, gzipped or not; told from the content, not the name',
    )
    imp.add_argument(
        "--format",
        choices=("soliguide", "data-inclusion"),
        default="soliguide",
        help="data-inclusion: two files, structures.json then services.json (docs/data-inclusion.md)",
    )
    imp.add_argument(
        "--source",
        help="name of the source (re-import replaces its places); default soliguide, or data-inclusion",
    )
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.add_argument(
        "--max-inflated-mb",
        type=int,
        metavar="MB",
        help="refuse a gzip that inflates past MB megabytes (default: 16384, db.sql.MAX_INFLATED_BYTES)",
    )

    sync = sub.add_parser("sync", help="bring the directory up to date from Soliguide's partner API")
    sync.add_argument("target", choices=("soliguide",))
    sync.add_argument(
        "--departments",
        nargs="+",
        metavar="CODE",
        help="department codes, e.g. 67 68 (default: SOLIGUIDE_SYNC_DEPARTMENTS, else HOME_DEPARTMENTS)",
    )
    sync.add_argument("--source", default="soliguide", help="source name of the places, as for import")
    sync.add_argument("--json", action="store_true", help="print the report as JSON")

    for name, (module, summary) in _COMMAND_MODULES.items():
        if name == wanted:
            import_module(module).add_parser(sub)
        else:
            sub.add_parser(name, help=summary)

    sample = sub.add_parser("sample", help="load the generated sample directory (not real services)")
    sample.add_argument("--services", type=int, help="national-size set with N services instead of Alsace")
    sample.add_argument("--seed", type=int, default=2026)
    sample.add_argument("--at", metavar="ISO8601", help="the 'now' the sample's dates are relative to")
    sample.add_argument(
        "--output", metavar="FILE", help="write the Soliguide JSON to FILE instead of importing"
    )

    search = sub.add_parser("search", help="nearby services, one JSON object per line with --json")
    where = search.add_mutually_exclusive_group(required=True)
    where.add_argument("--near", metavar="LAT,LON")
    where.add_argument("--insee", metavar="CODE")
    search.add_argument("--category", action="append", default=[], metavar="ID")
    search.add_argument("--at", metavar="ISO8601")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--offset", type=int, default=0)
    search.add_argument("--radius", type=float, metavar="KM", help="fixed radius instead of widening")
    search.add_argument("--lang", default="fr")
    search.add_argument("--json", action="store_true")

    parse = sub.add_parser("parse", help="understand messages: need, place, time, language")
    parse.add_argument("text", nargs="?", help="one message; without it, JSON lines {id, text} on stdin")
    parse.add_argument("--now", metavar="ISO8601")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = _parser(next((w for w in words if not w.startswith("-")), None)).parse_args(words)
    if argv is None and _one_answer(args):
        # Without the cyclic collector: the few cycles one answer leaves are freed with the process,
        # and its passes over the libraries' and indexes' objects as they load cost chat --once 0.2 s.
        gc.disable()
    try:
        settings = Settings()
    except ValidationError as exc:
        # Each error's place and message only: pydantic's own text quotes the input, which holds
        # secrets (a DATABASE_URL's password, tokens).
        for error in exc.errors(include_url=False, include_input=False, include_context=False):
            where = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            print(f"solibot: configuration error: {where}: {error['msg']}", file=sys.stderr)  # noqa: T201
        return 2
    logs.configure(
        "INFO" if args.verbose else settings.log_level, settings.log_format, settings.secret_values()
    )
    commands.configure(settings)
    handler = getattr(commands, f"cmd_{args.command}")
    try:
        status = int(handler(args, settings) or 0)
    except commands.CommandError as exc:
        print(f"solibot {args.command}: {exc}", file=sys.stderr)  # noqa: T201
        status = 2
    except KeyboardInterrupt:
        status = 130
    if argv is None and args.command in _EXIT_AT_ONCE:  # the program's own command line, not a test's
        _exit_at_once(status)
    return status


def _exit_at_once(status: int) -> NoReturn:
    """Output flushed and logs closed, then the process ends without finalising the interpreter."""
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(status)


if __name__ == "__main__":
    sys.exit(main())
