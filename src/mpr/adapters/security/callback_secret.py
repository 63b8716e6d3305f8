"""The callback secret: MPR_CALLBACK_SECRET, or the Secrets Manager secret its ARN names."""

from __future__ import annotations

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from mpr.settings import MIN_CALLBACK_SECRET, SettingsError


def callback_secret(secret: str | None, secret_arn: str | None) -> bytes:
    """The shared secret callbacks are signed with; SettingsError naming the setting."""
    if secret:
        if len(secret) < MIN_CALLBACK_SECRET:
            raise SettingsError(f"MPR_CALLBACK_SECRET must be at least {MIN_CALLBACK_SECRET} "
                                "characters")
        return secret.encode()
    if not secret_arn:
        raise SettingsError("MPR_CALLBACK_SECRET or MPR_CALLBACK_SECRET_ARN must be set")
    try:
        region = secret_arn.split(":")[3] or None
        client = boto3.session.Session().client("secretsmanager", region_name=region)
        value = str(client.get_secret_value(SecretId=secret_arn).get("SecretString") or "")
    except (ClientError, BotoCoreError, IndexError) as e:
        raise SettingsError(f"MPR_CALLBACK_SECRET_ARN: cannot read the secret: {e}") from e
    if len(value) < MIN_CALLBACK_SECRET:
        raise SettingsError(f"MPR_CALLBACK_SECRET_ARN: the secret must hold at least "
                            f"{MIN_CALLBACK_SECRET} characters")
    return value.encode()
