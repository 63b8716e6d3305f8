"""What a Lambda invocation needs, wired from the MPR_* settings: nothing more.

S3 storage for both stores, ffmpeg, the output prober (PyAV, loaded at the first probe)
and a signed callback reporter per run; no database, no web framework, no container, so a
cold start imports little. Built once per Lambda execution environment and reused by the
invocations it serves."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from mpr.adapters.callback.signed_reporter import SignedCallbackReporter
from mpr.adapters.clock import SystemClock
from mpr.adapters.ffmpeg.output_prober import PyAvOutputProber
from mpr.adapters.ffmpeg.transcoder import FfmpegTranscoder
from mpr.adapters.security.callback_secret import callback_secret
from mpr.adapters.storage.s3 import S3Storage
from mpr.adapters.storage.s3_client import make_s3_client
from mpr.application.lambda_run import LambdaRun
from mpr.application.transcode_pipeline import TranscodePipeline
from mpr.settings import Settings, SettingsError


@dataclass(frozen=True, slots=True)
class LambdaRuntime:
    """The run use case and how to make each run's reporter."""

    run: LambdaRun
    callback_url: str
    secret: bytes

    def reporter(self, run: int) -> SignedCallbackReporter:
        """The reporter of one run."""
        return SignedCallbackReporter(self.callback_url, self.secret, run)


def build_lambda(settings: Settings) -> LambdaRuntime:
    """Wire the Lambda's services; SettingsError naming what is missing."""
    if not settings.callback_url:
        raise SettingsError("MPR_CALLBACK_URL must be set: where the Lambda reports to")
    secret = callback_secret(
        settings.callback_secret.get_secret_value() if settings.callback_secret else None,
        settings.callback_secret_arn)
    client = make_s3_client(settings.s3_endpoint_url)
    staging = settings.data_dir / "s3-staging"
    input_storage = S3Storage(settings.s3_bucket_in, client, staging=staging)
    output_storage = S3Storage(settings.s3_bucket_out, client, staging=staging)
    transcoder = FfmpegTranscoder(settings.ffmpeg, settings.job_stall_timeout,
                                  settings.job_timeout)
    pipeline = TranscodePipeline(input_storage, output_storage, transcoder, PyAvOutputProber(),
                                 SystemClock())
    run = LambdaRun(pipeline, input_storage, output_storage.staging_dir(), _free_bytes,
                    settings.lambda_deadline_margin)
    return LambdaRuntime(run=run, callback_url=settings.callback_url, secret=secret)


def _free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free
