"""First start: make sure someone can sign in, or refuse to serve an open door."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from mpr.application.users import Users
from mpr.domain.errors import Conflict
from mpr.domain.identity import Role


class NobodyCanSignIn(Conflict):
    """Bound to a non-loopback address with no user, no token and no admin password."""

    code = "NO_IDENTITY"


@dataclass(frozen=True, slots=True)
class FirstAdmin:
    """The admin this start made or updated; password is set only when MPR generated it."""

    username: str
    created: bool
    password: str | None = None


async def ensure_first_admin(users: Users, username: str, password: str | None,
                             loopback: bool) -> FirstAdmin | None:
    """MPR_ADMIN_PASSWORD set: that admin exists with it. No user yet on loopback: a new
    admin with a random password (shown once). No user nor token elsewhere: refuse."""
    if password:
        return FirstAdmin(username, await users.ensure(username, Role.ADMIN, password))
    if await users.list():
        return None
    if loopback:
        generated = secrets.token_urlsafe(12)
        await users.create(username, Role.ADMIN, generated)
        return FirstAdmin(username, True, generated)
    if not await users.any_identity():
        raise NobodyCanSignIn(
            "MPR would serve a non-loopback address with no user and no token: set "
            "MPR_ADMIN_PASSWORD (and MPR_ADMIN_USERNAME, default admin), or first run "
            "`mpr user create NAME --role admin` or `mpr token create --name NAME --role admin`")
    return None
