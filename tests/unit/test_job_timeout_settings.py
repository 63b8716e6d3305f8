"""MPR_JOB_STALL_TIMEOUT and MPR_JOB_TIMEOUT: defaults, validation, and their way to ffmpeg."""

import pytest

from mpr.bootstrap.containers import Root
from mpr.settings import SettingsError, load_settings


def test_the_watchdog_defaults_are_two_minutes_and_six_hours():
    settings = load_settings()

    assert (settings.job_stall_timeout, settings.job_timeout) == (120.0, 21600.0)


@pytest.mark.parametrize("name", ["MPR_JOB_STALL_TIMEOUT", "MPR_JOB_TIMEOUT"])
@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_bad_timeout_fails_start_naming_the_setting(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_the_transcoder_gets_the_timeouts_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MPR_JOB_STALL_TIMEOUT", "7.5")
    monkeypatch.setenv("MPR_JOB_TIMEOUT", "90")
    settings = load_settings(data_dir=tmp_path)
    root = Root(settings=settings)

    transcoder = root.infra.transcoder()

    assert (transcoder._stall_timeout, transcoder._job_timeout) == (7.5, 90.0)
