"""The README's table of builtin presets, made from the domain's definitions.

    .venv/bin/python scripts/readme_presets.py      # rewrites the table in README.md

tests/unit/test_readme_presets.py fails while the README's table differs from this one.
"""

from __future__ import annotations

import re
from pathlib import Path

from mpr.domain.builtin_presets import BUILTIN_PRESETS
from mpr.domain.preset import TranscodePreset

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- builtin-presets:start -->", "<!-- builtin-presets:end -->"
KEPT = "the source's"  # a stream copy keeps the source's container
BLOCK = re.compile(re.escape(START) + r"\n(.*?)" + re.escape(END), re.DOTALL)


def _video(p: TranscodePreset) -> str:
    if p.video_codec is None:
        return "none"
    settings = [f"CRF {p.video_crf}" if p.video_crf is not None else None,
                p.video_bitrate, f"speed {p.video_preset}" if p.video_preset else None,
                f"fit in {p.resolution}" if p.resolution else None,
                f"{p.framerate:g} fps" if p.framerate else None,
                f"renditions {p.renditions}" if p.renditions else None]
    return ", ".join([f"`{p.video_codec}`"] + [s for s in settings if s])


def _audio(p: TranscodePreset) -> str:
    if p.audio_codec is None:
        return "none"
    settings = [p.audio_bitrate, f"{p.audio_channels} ch" if p.audio_channels else None,
                f"{p.audio_samplerate} Hz" if p.audio_samplerate else None]
    return ", ".join([f"`{p.audio_codec}`"] + [s for s in settings if s])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table() -> str:
    """The Markdown table: one row per builtin preset, in their order."""
    rows = ["| Preset | Container | Video | Audio | What it is |",
            "| --- | --- | --- | --- | --- |"]
    rows += [f"| `{p.name}` | {p.container or KEPT} | {_video(p)} | {_audio(p)} "
             f"| {_cell(p.description)} |" for p in BUILTIN_PRESETS]
    return "\n".join(rows) + "\n"


def readme_table(text: str) -> str | None:
    """The table between the README's markers, or None without them."""
    found = BLOCK.search(text)
    return found.group(1) if found else None


def main() -> None:
    text = README.read_text()
    if readme_table(text) is None:
        raise SystemExit(f"README.md has no {START} ... {END} block")
    README.write_text(BLOCK.sub(lambda _: f"{START}\n{table()}{END}", text))
    print("README.md: builtin presets table written")


if __name__ == "__main__":
    main()
