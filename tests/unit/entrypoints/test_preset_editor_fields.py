"""The UI's preset editor (static/ui/js/preset_fields.js) offers exactly the domain's editable
fields, in its order, and exactly the containers and codecs the domain accepts."""

import re
from pathlib import Path

import pytest
from strawberry.utils.str_converters import to_camel_case

import mpr.entrypoints.web as web
from mpr.domain.preset import AUDIO_CODECS, CONTAINERS, EDITABLE_FIELDS, VIDEO_CODECS

SOURCE = (Path(web.__file__).parent / "static" / "ui" / "js" / "preset_fields.js").read_text()


def js_list(name: str) -> list[str]:
    found = re.search(rf"export const {name} = \[(.*?)\];", SOURCE, re.DOTALL)
    assert found, f"{name} is not a list in preset_fields.js"
    return re.findall(r'"([^"]+)"', found.group(1))


def test_the_editor_offers_every_editable_field_in_the_domain_order() -> None:
    names = re.findall(r'\{ name: "(\w+)"', SOURCE)

    assert names == [to_camel_case(n) for n in EDITABLE_FIELDS]


@pytest.mark.parametrize(("name", "domain"), [
    ("CONTAINERS", CONTAINERS), ("VIDEO_CODECS", VIDEO_CODECS), ("AUDIO_CODECS", AUDIO_CODECS)])
def test_the_editor_choices_are_what_the_domain_accepts(name: str,
                                                        domain: frozenset[str]) -> None:
    assert js_list(name) == sorted(domain)
