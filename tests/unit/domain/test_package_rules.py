"""Output packages: which prefix a main key heads, and which members a package may hold."""

import pytest

from mpr.domain.asset import Location, MediaAsset
from mpr.domain.errors import ValidationError
from mpr.domain.media import MediaInfo
from mpr.domain.package import Package, StoredPackage, package_prefix, staged_path_of
from mpr.domain.pipeline import StoredObject
from tests.factories import NOW


def test_a_single_file_is_a_package_of_one_whose_prefix_is_its_key() -> None:
    package = Package.single("out/clip_h264.mp4")

    assert package.prefix == "out/clip_h264.mp4"
    assert package.member_keys == ("out/clip_h264.mp4",)
    assert package.others == ()
    assert staged_path_of("out/clip_h264.mp4") == "clip_h264.mp4"


@pytest.mark.parametrize(("main", "prefix"), [("out/ladder/master.m3u8", "out/ladder/"),
                                              ("a/b/c/manifest.MPD", "a/b/c/"),
                                              ("out//ladder/./master.m3u8", "out/ladder/")])
def test_a_manifest_heads_every_object_of_its_folder(main: str, prefix: str) -> None:
    assert package_prefix(main) == prefix


def test_a_manifest_outside_any_folder_heads_no_package() -> None:
    with pytest.raises(ValidationError, match="folder of its own"):
        package_prefix("master.m3u8")


def test_staged_members_become_keys_under_the_prefix_with_the_main_key_last() -> None:
    package = Package.staged("out/l/master.m3u8",
                             ["720p/seg1.ts", "master.m3u8", "720p/index.m3u8", "720p/seg0.ts"])

    assert package.prefix == "out/l/"
    assert package.member_keys == ("out/l/720p/index.m3u8", "out/l/720p/seg0.ts",
                                   "out/l/720p/seg1.ts", "out/l/master.m3u8")
    assert package.staged_path("out/l/720p/seg0.ts") == "720p/seg0.ts"


@pytest.mark.parametrize("path", ["../x", "../l2/seg.ts", "720p/../../x", "/etc/passwd",
                                  "", "a//b", "./seg.ts", ".hidden", "720p/.seg.ts"])
def test_a_staged_path_that_escapes_or_is_not_canonical_is_refused(path: str) -> None:
    with pytest.raises(ValidationError):
        Package.staged("out/l/master.m3u8", ["master.m3u8", path])


def test_the_main_key_must_be_a_member() -> None:
    with pytest.raises(ValidationError, match="no main object"):
        Package.staged("out/l/master.m3u8", ["720p/seg0.ts"])
    with pytest.raises(ValidationError, match="last member"):
        Package("out/l/", "out/l/master.m3u8", ("out/l/master.m3u8", "out/l/seg.ts"))


@pytest.mark.parametrize("members", [("out/other/seg.ts", "out/l/master.m3u8"),
                                     ("/out/l/seg.ts", "out/l/master.m3u8"),
                                     ("out/l/../x/seg.ts", "out/l/master.m3u8"),
                                     ("out/l/seg.ts", "out/l/seg.ts", "out/l/master.m3u8")])
def test_a_package_holds_only_distinct_canonical_keys_under_its_prefix(
        members: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError):
        Package("out/l/", "out/l/master.m3u8", members)


def test_a_package_of_one_holds_its_main_object_alone() -> None:
    with pytest.raises(ValidationError, match="not the one object"):
        Package.staged("out/clip.mp4", ["clip.mp4", "extra.bin"])
    with pytest.raises(ValidationError):
        Package("out/clip.mp4", "out/clip.mp4", ("out/clip.mp4x", "out/clip.mp4"))


@pytest.mark.parametrize(("prefix", "main"), [("out/", "out/l/master.m3u8"),
                                              ("out/l", "out/l/master.m3u8"),
                                              ("", "clip.mp4"),
                                              ("out/l//", "out/l/master.m3u8")])
def test_the_prefix_is_the_one_the_main_key_heads(prefix: str, main: str) -> None:
    with pytest.raises(ValidationError):
        Package(prefix, main, (main,))


def test_an_output_asset_knows_its_package_and_a_source_has_none() -> None:
    ladder = MediaAsset.register("out/l/master.m3u8", Location.OUTPUT, NOW)
    single = MediaAsset.register("out/clip.mp4", Location.OUTPUT, NOW)
    source = MediaAsset.register("in/clip.mp4", Location.INPUT, NOW)

    assert (ladder.package_prefix, single.package_prefix) == ("out/l/", "out/clip.mp4")
    assert source.package_prefix is None


def test_a_stored_single_file_is_its_own_size_and_keeps_its_probed_bitrate() -> None:
    stored = StoredPackage(Package.single("out/a.mp4"), (StoredObject("out/a.mp4", 1000),))

    output = stored.output(MediaInfo(duration=2.0, bitrate=3000), ("w",))

    assert (output.key, output.size, output.stored_size, output.package_size) == (
        "out/a.mp4", 1000, 1000, None)
    assert (output.media.bitrate, output.warnings) == (3000, ("w",))


def test_a_stored_ladder_is_the_size_of_all_its_objects_and_their_bitrate() -> None:
    objects = (StoredObject("out/l/720p_0.ts", 600_000), StoredObject("out/l/360p_0.ts", 150_000),
               StoredObject("out/l/master.m3u8", 500))
    stored = StoredPackage(Package.staged("out/l/master.m3u8", ["720p_0.ts", "360p_0.ts",
                                                             "master.m3u8"]), objects)

    output = stored.output(MediaInfo(duration=4.0, bitrate=12))

    assert (output.size, output.package_size, output.stored_size) == (500, 750_500, 750_500)
    assert output.media.bitrate == round(750_500 * 8 / 4.0)
    assert stored.output(MediaInfo(duration=None)).media.bitrate is None
