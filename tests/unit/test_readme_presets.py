"""The README's table of builtin presets is the one scripts/readme_presets.py makes from the
domain's definitions: a builtin added or changed fails here until the table is rewritten."""

import importlib.util
from pathlib import Path
from types import ModuleType

from mpr.domain.builtin_presets import BUILTIN_PRESETS

ROOT = Path(__file__).resolve().parents[2]


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_presets",
                                                  ROOT / "scripts" / "readme_presets.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_table_is_the_one_made_from_the_builtin_presets() -> None:
    made = script()

    shown = made.readme_table((ROOT / "README.md").read_text())

    assert shown == made.table(), "run: .venv/bin/python scripts/readme_presets.py"


def test_the_table_has_a_row_naming_each_builtin_in_order() -> None:
    rows = script().table().splitlines()[2:]

    assert [row.split("|")[1].strip(" `") for row in rows] == [p.name for p in BUILTIN_PRESETS]
