"""Who may do what: one role -> permission table and the policy every entrypoint asks."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from mpr.domain.errors import Forbidden, Unauthenticated
from mpr.domain.identity import Role


class Permission(enum.StrEnum):
    READ = "read"  # list and look at assets, jobs, presets, the system's health
    PLAY = "play"  # stream, thumbnail and download media
    SCAN = "scan"
    UPLOAD = "upload"
    CREATE_JOB = "create_job"
    CANCEL_JOB = "cancel_job"
    RETRY_JOB = "retry_job"
    CLEAR_JOBS = "clear_jobs"  # remove finished jobs from the list
    MANAGE_PRESETS = "manage_presets"
    EDIT_ASSETS = "edit_assets"
    DELETE_ASSETS = "delete_assets"
    MANAGE_USERS = "manage_users"
    MANAGE_TOKENS = "manage_tokens"
    USE_ADMIN = "use_admin"
    SYSTEM_DETAILS = "system_details"  # paths, URLs, component details


_VIEWER = frozenset({Permission.READ, Permission.PLAY})
_OPERATOR = _VIEWER | {Permission.SCAN, Permission.UPLOAD, Permission.CREATE_JOB,
                       Permission.CANCEL_JOB, Permission.RETRY_JOB, Permission.CLEAR_JOBS,
                       Permission.MANAGE_PRESETS, Permission.EDIT_ASSETS}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.OPERATOR: frozenset(_OPERATOR),
    Role.ADMIN: frozenset(Permission),
}


class PrincipalKind(enum.StrEnum):
    ANONYMOUS = "anonymous"
    USER = "user"
    TOKEN = "token"  # noqa: S105 - a kind of principal, not a secret


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a signed-in user, an API token, or nobody."""

    kind: PrincipalKind
    name: str
    role: Role | None = None

    @property
    def authenticated(self) -> bool:
        return self.kind is not PrincipalKind.ANONYMOUS

    @property
    def actor(self) -> str:
        """How records name who did something: 'user:alice', 'token:ci'."""
        return f"{self.kind.value}:{self.name}"

    def may(self, permission: Permission) -> bool:
        return self.role is not None and permission in ROLE_PERMISSIONS[self.role]


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS, "anonymous")


def minimum_role(permission: Permission) -> Role:
    """The weakest role holding the permission."""
    return next(r for r in Role if permission in ROLE_PERMISSIONS[r])


class Policy:
    """Decides every access: require() returns, or raises Unauthenticated / Forbidden."""

    def require(self, principal: Principal, permission: Permission) -> None:
        if principal.may(permission):
            return
        if not principal.authenticated:
            raise Unauthenticated
        raise Forbidden(f"{principal.actor} ({principal.role}) may not {permission.value}; "
                        f"it needs the {minimum_role(permission).value} role")


POLICY = Policy()
