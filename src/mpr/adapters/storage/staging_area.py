"""Reading a staging area (one attempt's directory of package objects) the way stores read keys:
walked and opened from its root without following links, plain files only."""

from __future__ import annotations

import os
from pathlib import Path

from mpr.adapters.storage.safe_open import check_plain, open_folder, open_object
from mpr.domain.errors import NotFound, RefusedObject, StorageError
from mpr.domain.package import Package


def staged_package(main_key: str, area: Path) -> Package:
    """The package main_key heads, made of every file in the area; RefusedObject when the area
    holds a link, a FIFO, a device or a file with several hard links."""
    return Package.staged(main_key, staged_paths(area))


def staged_paths(area: Path) -> list[str]:
    """The '/'-separated paths of the files below the area, checked as open_object checks."""
    paths: list[str] = []
    _walk(str(area), [], paths)
    return paths


def open_staged(area: Path, package: Package, key: str) -> int:
    """A read-only descriptor on a member's staged file (checked again: what is stored is
    exactly what was checked); the caller closes it. StorageError when it vanished."""
    path = package.staged_path(key)
    try:
        return open_object(str(area), path)
    except NotFound:
        raise StorageError(f"staged {path!r} of {key!r} vanished before it was stored") from None


def _walk(root: str, folders: list[str], paths: list[str]) -> None:
    where = "/".join(folders) or "."
    fd = open_folder(root, folders, where)
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                path = "/".join([*folders, entry.name])
                if entry.is_dir(follow_symlinks=False):
                    _walk(root, [*folders, entry.name], paths)
                elif entry.is_file(follow_symlinks=False):
                    check_plain(os.stat(entry.name, dir_fd=fd, follow_symlinks=False), path)
                    paths.append(path)
                else:
                    raise RefusedObject(f"staged {path!r} is refused: packages hold only plain "
                                        "files (no links, FIFOs or devices)")
    finally:
        os.close(fd)
