"""`solibot operators add|list|remove|invite`: how an administrator registers 115 operators and
outreach volunteers (docs/operators.md). The storage is imported when the command runs."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.operators import Operator, OperatorStore
    from bot.settings import Settings

ROLES = ("operator", "volunteer")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ops = sub.add_parser("operators", help="register 115 operators and outreach volunteers")
    verbs = ops.add_subparsers(dest="verb", required=True)

    add = verbs.add_parser("add", help="register a Telegram account and/or a web login")
    add.add_argument("--name", required=True, help="how the person is shown to administrators")
    add.add_argument("--organisation", required=True, help="e.g. 'SIAO 68', 'Maraude Croix-Rouge Colmar'")
    add.add_argument("--role", choices=ROLES, required=True)
    account = add.add_mutually_exclusive_group()
    account.add_argument("--telegram-id", metavar="ID", help="the person's numeric Telegram user id")
    account.add_argument(
        "--console-user", metavar="NAME", help="a `solibot chat --user NAME` session, for trying the bot"
    )
    add.add_argument("--web-login", metavar="LOGIN", help="a login for the web chat (asks for a password)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the web password from stdin instead of asking"
    )

    listing = verbs.add_parser("list", help="the operators registered")
    listing.add_argument("--all", action="store_true", help="the removed ones too")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")

    remove = verbs.add_parser("remove", help="remove an operator (their role ends within 30 seconds)")
    remove.add_argument("id", type=int)

    invite = verbs.add_parser("invite", help="print a one-time code the person sends to the bot")
    invite.add_argument("--organisation", required=True)
    invite.add_argument("--role", choices=ROLES, required=True)
    invite.add_argument("--name", help="how the person will be shown (default: the organisation)")
    invite.add_argument("--days", type=int, default=7, help="the code expires after this many days (7)")


def cmd_operators(args: argparse.Namespace, settings: Settings) -> int:
    """Exit status 0, 1 when there was no such operator to remove, 2 for a mistake (said on stderr)."""
    from bot.operators import DuplicateIdentityError

    try:
        password = _password(args.password_stdin) if args.verb == "add" and args.web_login else None
        return asyncio.run(_run(args, settings, password))
    except DuplicateIdentityError:
        return _mistake("that account or login is already registered to an operator")
    except ValueError as exc:
        return _mistake(str(exc))


def _mistake(message: str) -> int:
    _print(f"solibot operators: {message}", err=True)
    return 2


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("web password: ")
        if getpass.getpass("again: ") != password:
            raise ValueError("the two passwords differ")
    if len(password) < 12:
        raise ValueError("a web password has at least 12 characters")
    return password


async def _run(args: argparse.Namespace, settings: Settings, password: str | None) -> int:
    from bot.operators import opened

    async with opened(settings.database_url, settings.user_key_secret.get_secret_value().encode()) as store:
        return await _verb(args, store, password)


async def _verb(args: argparse.Namespace, store: OperatorStore, password: str | None) -> int:
    from handlers import Role

    if args.verb == "add":
        added = await store.add(
            args.name,
            args.organisation,
            Role(args.role),
            telegram_id=args.telegram_id,
            console_user=args.console_user,
            web_login=args.web_login,
            password=password,
        )
        _print(f"added: {_line(added)}")
    elif args.verb == "list":
        for operator in await store.list(include_removed=args.all):
            _print(json.dumps(_json(operator), ensure_ascii=False) if args.json else _line(operator))
    elif args.verb == "remove":
        if not await store.remove(args.id):
            _print(f"no operator {args.id} (or already removed)", err=True)
            return 1
        _print(f"removed operator {args.id}: every worker forgets their role within 30 seconds")
    else:
        code, expires = await store.invite(
            args.organisation, Role(args.role), display_name=args.name, days=args.days
        )
        _print(code)
        _print(
            f"one use, until {expires:%Y-%m-%d %H:%M} UTC: the person sends 'code {code}' to the bot "
            f"on Telegram (or opens t.me/<bot>?start={code.replace('-', '')})",
            err=True,
        )
    return 0


def _line(operator: Operator) -> str:
    accounts = [name for name, held in (("account", operator.account), ("web", operator.web_login)) if held]
    removed = f"  removed {operator.removed_at:%Y-%m-%d}" if operator.removed_at else ""
    login = f" ({operator.web_login})" if operator.web_login else ""
    return (
        f"{operator.id:>4}  {operator.role:<9}  {operator.organisation}  {operator.display_name}  "
        f"[{', '.join(accounts)}{login}]{removed}"
    )


def _json(operator: Operator) -> dict[str, object]:
    return {
        "id": operator.id,
        "name": operator.display_name,
        "organisation": operator.organisation,
        "role": operator.role,
        "account": operator.account,
        "web_login": operator.web_login,
        "created_at": operator.created_at.isoformat(),
        "removed_at": operator.removed_at.isoformat() if operator.removed_at else None,
    }


def _print(line: str, *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(line + "\n")
