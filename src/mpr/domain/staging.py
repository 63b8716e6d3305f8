"""Names of staging areas: one directory per run of a job, holding every object of its
package, so no two encodes share a file. (Earlier versions staged one file, named the same
way with its extension, and by attempt ('.a1.') rather than run ('.r1.'); such leftovers are
still recognised.)"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

_NAME = re.compile(r"(?P<job>[0-9a-f-]{36})\.[ar](?P<run>[0-9]{1,10})\.[0-9a-f]{8}"
                   r"(\.[a-z0-9]{1,8})?")


@dataclass(frozen=True, slots=True)
class StagingOwner:
    """The job run a staging area (or an earlier version's staging file) belongs to."""

    job_id: uuid.UUID
    run: int


def staging_name(job_id: uuid.UUID, run: int, extension: str | None = None) -> str:
    """A fresh name for one run's staging area: job id, run, a random part (and, for
    a single staged file, the extension)."""
    name = f"{job_id}.r{run}.{secrets.token_hex(4)}"
    return name if extension is None else f"{name}.{extension}"


def staging_owner(name: str) -> StagingOwner | None:
    """The run a staging name belongs to; None for a name MPR did not make."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    try:
        job_id = uuid.UUID(match["job"])
    except ValueError:
        return None
    return StagingOwner(job_id, int(match["run"]))
