"""The server secret: MPR_SECRET_KEY, or random bytes made at first start in the data dir."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "secret.key"


def load_or_create(data_dir: Path, configured: str | None) -> bytes:
    """The configured key, else the one in <data dir>/secret.key (created 0600 if absent)."""
    if configured:
        return configured.encode()
    path = data_dir / FILE_NAME
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key
