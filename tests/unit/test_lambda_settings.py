import pytest

from mpr.settings import SettingsError, load_settings

ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:mpr"
GOOD = {"executor": "lambda", "storage": "s3", "sfn_state_machine_arn": ARN,
        "callback_url": "https://mpr.example.com", "callback_secret": "x" * 32}


def test_lambda_mode_starts_with_every_setting_it_needs():
    settings = load_settings(**GOOD)

    assert settings.queue_backend == "stepfunctions"


@pytest.mark.parametrize(("change", "named"), [
    ({"storage": "filesystem"}, "MPR_STORAGE"),
    ({"sfn_state_machine_arn": None}, "MPR_SFN_STATE_MACHINE_ARN"),
    ({"sfn_state_machine_arn": "arn:aws:lambda:eu-west-1:1:function:x"},
     "MPR_SFN_STATE_MACHINE_ARN"),
    ({"callback_url": None}, "MPR_CALLBACK_URL"),
    ({"callback_url": "ftp://mpr.example.com"}, "MPR_CALLBACK_URL"),
    ({"callback_url": "https://mpr.example.com/?q=1"}, "MPR_CALLBACK_URL"),
    ({"callback_secret": None}, "MPR_CALLBACK_SECRET"),
    ({"callback_secret": "short"}, "MPR_CALLBACK_SECRET"),
])
def test_a_missing_or_malformed_lambda_setting_stops_the_start_naming_it(change, named):
    with pytest.raises(SettingsError, match=named):
        load_settings(**(GOOD | change))


def test_a_secret_arn_stands_in_for_the_secret():
    settings = load_settings(**(GOOD | {"callback_secret": None, "callback_secret_arn":
                                        "arn:aws:secretsmanager:eu-west-1:1:secret:mpr"}))

    assert settings.callback_secret_arn
