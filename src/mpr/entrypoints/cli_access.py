"""`mpr user ...` and `mpr token ...`: manage who may use MPR."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from mpr.application.access import Access
from mpr.application.tokens import parse_duration
from mpr.domain.errors import ValidationError
from mpr.domain.identity import Role
from mpr.settings import Settings

ROLES = [r.value for r in Role]
Command = Callable[[Access, argparse.Namespace], Awaitable[None]]


def add_commands(sub: Any) -> None:
    """Register the user and token commands on the top-level subparsers."""
    user = sub.add_parser("user", help="manage users (who sign in to the UI and the admin)")
    users = user.add_subparsers(required=True, metavar="ACTION")
    create = users.add_parser("create", help="create a user (password from a prompt or stdin)")
    create.add_argument("name")
    create.add_argument("--role", choices=ROLES, required=True)
    create.set_defaults(run=_runner(_user_create))
    passwd = users.add_parser("passwd", help="set a user's password (ends its sessions)")
    passwd.add_argument("name")
    passwd.set_defaults(run=_runner(_user_passwd))
    remove = users.add_parser("remove", help="delete a user (ends its sessions)")
    remove.add_argument("name")
    remove.set_defaults(run=_runner(_user_remove))
    users.add_parser("list", help="list users").set_defaults(run=_runner(_user_list))
    token = sub.add_parser("token", help="manage API tokens")
    tokens = token.add_subparsers(required=True, metavar="ACTION")
    make = tokens.add_parser("create", help="create a token; it is printed once, last")
    make.add_argument("--name", required=True)
    make.add_argument("--role", choices=ROLES, required=True)
    make.add_argument("--expires", help="lifetime such as 30d, 12h or 90m (default: never)")
    make.set_defaults(run=_runner(_token_create))
    tokens.add_parser("list", help="list tokens (never their secrets)").set_defaults(
        run=_runner(_token_list))
    revoke = tokens.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name")
    revoke.set_defaults(run=_runner(_token_revoke))


def _runner(command: Command) -> Callable[[Settings, argparse.Namespace], int]:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        from mpr.bootstrap import prepared

        async def go() -> None:
            async with prepared(settings) as services:
                await command(services.access, args)

        asyncio.run(go())
        return 0
    return run


def read_password(confirm: bool = True) -> str:
    """A password from the terminal (asked twice), or the first line of piped stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Password again: ") != password:
        raise ValidationError("the two passwords differ")
    return password


async def _user_create(access: Access, args: argparse.Namespace) -> None:
    user = await access.users.create(args.name, Role(args.role), read_password())
    print(f"created user {user.username} ({user.role})")


async def _user_passwd(access: Access, args: argparse.Namespace) -> None:
    user = await access.users.set_password(args.name, read_password())
    print(f"password of {user.username} changed; its sessions were ended")


async def _user_remove(access: Access, args: argparse.Namespace) -> None:
    user = await access.users.remove(args.name)
    print(f"removed user {user.username}")


async def _user_list(access: Access, _: argparse.Namespace) -> None:
    for user in await access.users.list():
        print(f"{user.username}\t{user.role}\tcreated {user.created_at:%Y-%m-%d %H:%M}")


async def _token_create(access: Access, args: argparse.Namespace) -> None:
    expires = parse_duration(args.expires) if args.expires else None
    issued = await access.tokens.create(args.name, Role(args.role), expires, created_by="cli")
    until = f"until {issued.token.expires_at:%Y-%m-%d %H:%M} UTC" if expires else "no expiry"
    print(f"created token {issued.token.name} ({issued.token.role}, {until}); "
          "it is shown only now:")
    print(issued.secret)


async def _token_list(access: Access, _: argparse.Namespace) -> None:
    for token in await access.tokens.list():
        expires = f"{token.expires_at:%Y-%m-%d %H:%M}" if token.expires_at else "never"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        print(f"{token.name}\t{token.role}\texpires {expires}\tlast used {used}")


async def _token_revoke(access: Access, args: argparse.Namespace) -> None:
    token = await access.tokens.revoke(args.name)
    print(f"revoked token {token.name}")
