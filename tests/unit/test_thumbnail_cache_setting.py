import pytest

from mpr.settings import SettingsError, load_settings


@pytest.mark.parametrize("value", ["0", "-1", "lots"])
def test_a_bad_thumbnail_cache_size_fails_naming_the_setting(monkeypatch, value):
    monkeypatch.setenv("MPR_THUMBNAIL_CACHE_MB", value)

    with pytest.raises(SettingsError, match="MPR_THUMBNAIL_CACHE_MB"):
        load_settings()


@pytest.mark.parametrize(("value", "expected"), [(None, 512 * 2**20), ("0.05", 52_428)])
def test_the_thumbnail_cache_bound_is_given_in_mib(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("MPR_THUMBNAIL_CACHE_MB", raising=False)
    else:
        monkeypatch.setenv("MPR_THUMBNAIL_CACHE_MB", value)

    assert load_settings().thumbnail_cache_bytes == expected
