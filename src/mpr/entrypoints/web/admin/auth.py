"""The admin login: one username and password from the settings, kept in a signed session."""

from __future__ import annotations

import hashlib
import hmac

from sqladmin.authentication import AuthenticationBackend
from starlette.requests import Request


class PasswordLogin(AuthenticationBackend):
    """Accepts MPR_ADMIN_USERNAME / MPR_ADMIN_PASSWORD; the session cookie is signed with both."""

    def __init__(self, username: str, password: str) -> None:
        secret = hashlib.sha256(f"mpr-admin\0{username}\0{password}".encode()).hexdigest()
        super().__init__(secret_key=secret, session_cookie="mpr_admin", same_site="strict",
                         max_age=12 * 3600)
        self._username, self._password = username, password

    async def login(self, request: Request) -> bool:
        form = await request.form()
        user, password = str(form.get("username", "")), str(form.get("password", ""))
        ok = _same(user, self._username) & _same(password, self._password)
        if ok:
            request.session.update({"user_id": self._username})
        return ok

    async def logout(self, request: Request) -> bool:
        request.session.clear()
        return True

    async def authenticate(self, request: Request) -> bool:
        return request.session.get("user_id") == self._username


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
