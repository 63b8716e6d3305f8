"""Storyboard plans: at most 100 tiles on a 1-2-5 grid of seconds, and their WebVTT."""

import pytest

from mpr.domain.storyboard import MAX_TILES, plan_storyboard, webvtt


@pytest.mark.parametrize(("duration", "step", "count"), [
    (12.0, 1, 12), (0.4, 1, 1), (100.0, 1, 100), (100.5, 2, 51), (3600.0, 50, 72),
    (7200.0, 100, 72)])
def test_tiles_fall_on_a_grid_of_at_most_a_hundred(duration, step, count):
    plan = plan_storyboard(duration, 1920, 1080)

    assert (plan.step, plan.count) == (step, count)
    assert plan.count <= MAX_TILES


def test_tiles_keep_the_video_aspect_with_an_even_height():
    assert (plan_storyboard(10, 1920, 1080).tile_height,
            plan_storyboard(10, 1080, 1920).tile_height,
            plan_storyboard(10, 321, 241).tile_height) == (90, 284, 120)


def test_the_webvtt_maps_each_range_to_its_tile_and_ends_with_the_video():
    plan = plan_storyboard(12.5, 1280, 720)

    text = webvtt(plan, "storyboard.jpg")

    lines = text.splitlines()
    assert lines[:4] == ["WEBVTT", "", "00:00:00.000 --> 00:00:01.000",
                         "storyboard.jpg#xywh=0,0,160,90"]
    assert "00:00:12.000 --> 00:00:12.500" in lines
    assert lines[lines.index("00:00:12.000 --> 00:00:12.500") + 1] == (
        "storyboard.jpg#xywh=320,90,160,90")  # tile 12: row 2, column 3
    assert (plan.columns, plan.rows) == (10, 2)


def test_the_cache_name_changes_with_whatever_changes_the_sprite():
    names = {plan_storyboard(d, w, h).cache_name
             for d, w, h in ((12, 1920, 1080), (13, 1920, 1080), (12, 640, 480))}

    assert len(names) == 3
