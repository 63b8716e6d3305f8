"""Settings a deployment behind nginx needs: trusted proxy networks, the public S3 endpoint."""

import pytest

from mpr.entrypoints.web.security import media_origin, ui_csp
from mpr.settings import Settings, SettingsError, load_settings


@pytest.mark.parametrize("value", ["nginx", "10.0.0.0/33", "10.0.0.1, 300.1.1.1"])
def test_a_bad_trusted_proxy_fails_at_start_naming_the_setting(monkeypatch, value):
    monkeypatch.setenv("MPR_TRUSTED_PROXIES", value)

    with pytest.raises(SettingsError, match="MPR_TRUSTED_PROXIES"):
        load_settings()


def test_media_may_come_from_the_public_endpoint_not_the_internal_one():
    settings = Settings(storage="s3", s3_endpoint_url="http://minio:9000",
                        s3_public_endpoint_url="http://mpr.local.ar:9000/")

    policy = ui_csp(media_origin(settings))

    assert media_origin(settings) == "http://mpr.local.ar:9000"
    assert "media-src 'self' http://mpr.local.ar:9000 blob:;" in policy
    assert "minio" not in policy
