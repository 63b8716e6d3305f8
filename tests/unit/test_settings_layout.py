import pytest

from mpr.settings import SettingsError, load_settings


def test_a_sqlite_database_inside_the_media_folders_fails_start_naming_the_setting(tmp_path):
    inside = f"sqlite+aiosqlite:///{tmp_path}/media/in/mpr.sqlite3"

    with pytest.raises(SettingsError, match="MPR_DATABASE_URL") as refused:
        load_settings(data_dir=tmp_path, database_url=inside)

    assert str(tmp_path) not in str(refused.value)


def test_the_default_database_and_one_beside_the_media_are_accepted(tmp_path):
    beside = f"sqlite+aiosqlite:///{tmp_path}/mpr-other.sqlite3"

    assert load_settings(data_dir=tmp_path).database_url is None
    assert load_settings(data_dir=tmp_path, database_url=beside).database_url == beside
