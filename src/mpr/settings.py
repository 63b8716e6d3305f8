"""MPR's settings, read from MPR_* environment variables; a bad value names its setting."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

QueueBackend = Literal["inprocess", "dramatiq", "stepfunctions"]


class SettingsError(Exception):
    """The environment holds a setting MPR cannot start with."""


class Settings(BaseSettings):
    """Every MPR_* setting with its default (SPEC section 5)."""

    model_config = SettingsConfigDict(env_prefix="MPR_", extra="ignore", frozen=True)

    executor: Literal["local", "lambda"] = "local"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    data_dir: Path = Path("./mpr-data")
    database_url: str | None = None
    storage: Literal["filesystem", "s3"] = "filesystem"
    s3_endpoint_url: str | None = None
    s3_bucket_in: str = "mpr-media-in"
    s3_bucket_out: str = "mpr-media-out"
    s3_create_buckets: bool = False
    redis_url: str | None = None
    worker_concurrency: int = Field(2, ge=1, le=64)
    worker_heartbeat_timeout: float = Field(30.0, gt=0)
    max_attempts: int = Field(3, ge=1, le=100)
    sfn_state_machine_arn: str | None = None
    callback_url: str | None = None
    callback_secret: SecretStr | None = None
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"
    admin_username: str = "admin"
    admin_password: SecretStr | None = None
    samples: bool = True  # generate sample clips into an empty input folder on first start
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.database_url is not None and "://" not in self.database_url:
            raise ValueError("MPR_DATABASE_URL must be a URL like postgresql+asyncpg://...")
        if self.executor == "lambda" and self.storage != "s3":
            raise ValueError("MPR_EXECUTOR=lambda needs MPR_STORAGE=s3 (the Lambda reads S3)")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'mpr.sqlite3').resolve()}"

    @property
    def media_in(self) -> Path:
        return self.data_dir / "media" / "in"

    @property
    def media_out(self) -> Path:
        return self.data_dir / "media" / "out"

    @property
    def queue_backend(self) -> QueueBackend:
        """Which queue adapter the executor and Redis settings select."""
        if self.executor == "lambda":
            return "stepfunctions"
        return "dramatiq" if self.redis_url else "inprocess"

    @property
    def is_embedded(self) -> bool:
        """Workers run inside the server process."""
        return self.queue_backend == "inprocess"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (and overrides); SettingsError names each bad one."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as e:
        problems = []
        for err in e.errors():
            name = "_".join(str(p) for p in err["loc"]).upper()
            label = f"MPR_{name}" if name else "settings"
            problems.append(f"{label}: {err['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems)) from None
