"""Output packages: one or more objects under one key prefix, headed by one main object.

A single file is a package of one, whose prefix is its own key. A manifest (an HLS playlist,
a DASH MPD) names other objects relative to itself, so it heads a package of its folder:
`out/clip_hls/master.m3u8` heads every object under `out/clip_hls/`. The prefix is derived
from the main key by that rule alone, so an asset's key is all it takes to know its package.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from mpr.domain.errors import ValidationError
from mpr.domain.keys import normalise_key
from mpr.domain.media import MediaInfo, extension_of
from mpr.domain.pipeline import StoredObject, TranscodeOutput

MANIFEST_EXTENSIONS = frozenset({"m3u8", "mpd"})


def package_prefix(main_key: str) -> str:
    """The prefix of the package the main key heads: its folder and a '/' for a manifest, the
    key itself for any other object; ValidationError for a manifest outside any folder."""
    key = normalise_key(main_key)
    if extension_of(key) not in MANIFEST_EXTENSIONS:
        return key
    folder, slash, _ = key.rpartition("/")
    if not slash:
        raise ValidationError(f"manifest {key!r} must lie in a folder of its own package")
    return f"{folder}/"


def is_folder_prefix(prefix: str) -> bool:
    """True for a prefix that holds many objects (a folder), False for a package of one."""
    return prefix.endswith("/")


def checked_prefix(prefix: str) -> str:
    """The prefix unchanged if it is canonical (a key, or a key's folder and a '/')."""
    canonical = f"{normalise_key(prefix)}/" if is_folder_prefix(prefix) else normalise_key(prefix)
    if canonical != prefix:
        raise ValidationError(f"package prefix {prefix!r} is not canonical ({canonical!r})")
    return prefix


@dataclass(frozen=True, slots=True)
class Package:
    """The objects of one output: every key under the prefix, the main key last."""

    prefix: str
    main_key: str
    member_keys: tuple[str, ...]

    def __post_init__(self) -> None:
        if package_prefix(self.main_key) != checked_prefix(self.prefix):
            raise ValidationError(f"{self.main_key!r} does not head a package at {self.prefix!r}")
        if not self.member_keys or self.member_keys[-1] != self.main_key:
            raise ValidationError(f"the main object {self.main_key!r} must be the last member")
        if len(set(self.member_keys)) != len(self.member_keys):
            raise ValidationError(f"package {self.prefix!r} names an object twice")
        for key in self.member_keys:
            self._check_member(key)

    def _check_member(self, key: str) -> None:
        inside = key.startswith(self.prefix) if is_folder_prefix(self.prefix) else (
            key == self.prefix)
        if normalise_key(key) != key or not inside:
            raise ValidationError(f"package member {key!r} lies outside {self.prefix!r}")

    @classmethod
    def staged(cls, main_key: str, paths: Iterable[str]) -> Package:
        """The package headed by main_key whose objects are these paths relative to its
        prefix (as they lie in a staging area); ValidationError for a path that escapes."""
        prefix = package_prefix(main_key)
        main_key = normalise_key(main_key)
        keys = {_key_at(prefix, path) for path in paths}
        if main_key not in keys:
            raise ValidationError(f"the staged package has no main object {main_key!r}")
        keys.discard(main_key)
        return cls(prefix, main_key, (*sorted(keys), main_key))

    @classmethod
    def single(cls, key: str) -> Package:
        """A package of one object."""
        key = normalise_key(key)
        return cls(package_prefix(key), key, (key,))

    @property
    def others(self) -> tuple[str, ...]:
        """Every member but the main object, in storing order."""
        return self.member_keys[:-1]

    def staged_path(self, key: str) -> str:
        """Where a member lies in a staging area: its path relative to the prefix (for a
        package of one, its file name)."""
        return _relative(self.prefix, key)


def staged_path_of(main_key: str) -> str:
    """Where the main object lies in the staging area of the package it heads."""
    key = normalise_key(main_key)
    return _relative(package_prefix(key), key)


def _relative(prefix: str, key: str) -> str:
    return key.removeprefix(prefix) if is_folder_prefix(prefix) else key.rpartition("/")[2]


def _key_at(prefix: str, path: str) -> str:
    if not is_folder_prefix(prefix):
        if path != prefix.rpartition("/")[2]:
            raise ValidationError(f"{path!r} is not the one object of package {prefix!r}")
        return prefix
    if path.startswith("/") or not path:
        raise ValidationError(f"staged path {path!r} must be relative")
    if any(part.startswith(".") for part in path.split("/")):  # stores do not list those
        raise ValidationError(f"staged path {path!r} must not be or lie in a hidden entry")
    key = normalise_key(f"{prefix}{path}")
    if not key.startswith(prefix) or key != f"{prefix}{path}":
        raise ValidationError(f"staged path {path!r} escapes package {prefix!r}")
    return key


@dataclass(frozen=True, slots=True)
class StoredPackage:
    """A package as stored: its objects, the main one last."""

    package: Package
    objects: tuple[StoredObject, ...]

    @property
    def main(self) -> StoredObject:
        return self.objects[-1]

    @property
    def size(self) -> int:
        """Every object's bytes."""
        return sum(o.size for o in self.objects)

    def output(self, media: MediaInfo, warnings: tuple[str, ...] = ()) -> TranscodeOutput:
        """The finished output this package holds, given its main object's probe.

        A package of several objects is the size of them all, and its bitrate is those bytes
        over the duration (a manifest's own probe knows neither: the bytes are the
        renditions')."""
        if len(self.objects) == 1:
            return TranscodeOutput(self.main.key, self.main.size, media, warnings)
        total = self.size
        bitrate = round(total * 8 / media.duration) if media.duration else None
        return TranscodeOutput(self.main.key, self.main.size, replace(media, bitrate=bitrate),
                               warnings, package_size=total)
