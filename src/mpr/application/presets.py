"""Seed the builtin presets; create, update and delete user presets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from mpr.application.ids import parse_id
from mpr.domain.builtin_presets import BUILTIN_NAMES, BUILTIN_PRESETS
from mpr.domain.errors import Conflict, ValidationError
from mpr.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from mpr.domain.preset import EDITABLE_FIELDS, TranscodePreset


@dataclass(frozen=True, slots=True)
class PresetFields:
    """Fields a person sets on a preset; only the ones present are applied."""

    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.values).difference(EDITABLE_FIELDS)
        if unknown:
            raise ValidationError(f"unknown preset field(s): {', '.join(sorted(unknown))}",
                                  field=sorted(unknown)[0])


async def seed_builtin_presets(uow_factory: UnitOfWorkFactory, clock: Clock) -> int:
    """Insert the builtin presets that are missing; returns how many were added."""
    added = 0
    for preset in BUILTIN_PRESETS:
        try:
            async with uow_factory() as uow:
                if await uow.presets.get_by_name(preset.name) is None:
                    now = clock.now()
                    await uow.presets.add(preset.evolve(created_at=now, updated_at=now))
                    await uow.commit()
                    added += 1
        except Conflict:
            pass  # another process seeded it at the same moment
    return added


class CreatePreset:
    """Add a validated user preset with a unique name."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, fields: PresetFields) -> TranscodePreset:
        now = self._clock.now()
        if fields.values.get("name") is None:
            raise ValidationError("a preset needs a name", field="name")
        preset = TranscodePreset(id=uuid.uuid4(), created_at=now, updated_at=now,
                                 **fields.values)
        async with self._uow() as uow:
            await _check_name_free(uow, preset.name, None)
            await uow.presets.add(preset)
            await uow.commit()
        return preset


class UpdatePreset:
    """Change a user preset; builtin presets are read-only."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, preset_id: str, fields: PresetFields) -> TranscodePreset:
        pid = parse_id(preset_id, "preset")
        async with self._uow() as uow:
            current = await uow.presets.get(pid)
            _refuse_builtin(current, "edited")
            updated = current.evolve(**fields.values, updated_at=self._clock.now())
            if updated.name != current.name:
                await _check_name_free(uow, updated.name, pid)
            await uow.presets.save(updated)
            await uow.commit()
        return updated


class DeletePreset:
    """Remove a user preset; jobs keep their own snapshot of it."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, preset_id: str) -> TranscodePreset:
        pid = parse_id(preset_id, "preset")
        async with self._uow() as uow:
            preset = await uow.presets.get(pid)
            _refuse_builtin(preset, "deleted")
            await uow.presets.delete(pid)
            await uow.commit()
        return preset


def _refuse_builtin(preset: TranscodePreset, verb: str) -> None:
    if preset.is_builtin:
        raise ValidationError(f"builtin preset {preset.name} cannot be {verb}")


async def _check_name_free(uow: UnitOfWork, name: str, own_id: uuid.UUID | None) -> None:
    if name in BUILTIN_NAMES and own_id is None:
        raise Conflict(f"preset name {name} is reserved for a builtin preset", field="name")
    existing = await uow.presets.get_by_name(name)
    if existing is not None and existing.id != own_id:
        raise Conflict(f"a preset named {name} already exists", field="name")
