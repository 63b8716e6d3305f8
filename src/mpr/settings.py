"""MPR's settings, read from MPR_* environment variables; a bad value names its setting."""

from __future__ import annotations

import re
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

QueueBackend = Literal["inprocess", "dramatiq", "stepfunctions"]
MIN_CALLBACK_SECRET = 32
_STATE_MACHINE_ARN = re.compile(
    r"arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}")
_CALLBACK_URL = re.compile(r"https?://[A-Za-z0-9.:\[\]-]+(/[A-Za-z0-9._~/-]*)?")


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
    s3_public_endpoint_url: str | None = None  # the store as browsers reach it (presigned links)
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
    callback_secret_arn: str | None = None  # a Secrets Manager secret holding it instead
    lambda_deadline_margin: float = Field(30.0, ge=0)  # seconds a Lambda run keeps in hand
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"
    job_stall_timeout: float = Field(120.0, gt=0)  # seconds without progress before a stop
    job_timeout: float = Field(21600.0, gt=0)  # seconds an encode may run in all
    admin_username: str = "admin"
    admin_password: SecretStr | None = None
    secret_key: SecretStr | None = None  # default: random, kept in <data dir>/secret.key
    allowed_hosts: str | None = None  # comma-separated; default: loopback names + MPR_HOST
    trusted_proxies: str = ""  # comma-separated addresses or networks (CIDR) whose
    # X-Forwarded-* are believed
    session_idle_timeout: float = Field(2 * 3600.0, gt=0)
    session_max_age: float = Field(24 * 3600.0, gt=0)
    login_max_failures: int = Field(10, ge=1, le=1000)
    login_lockout: float = Field(900.0, ge=0)
    thumbnail_cache_mb: float = Field(512.0, gt=0)  # least recently used thumbnails go first
    samples: bool = True  # generate sample clips into an empty input folder on first start
    openapi: bool = False  # serve the OpenAPI document and its viewers at /schema
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    upload_max_bytes: int = Field(64 * 2**30, ge=1)  # larger uploads are refused at creation
    upload_expiry: float = Field(24 * 3600.0, gt=0)  # seconds an idle upload is kept
    watch: bool | None = None  # register files put in the input store; default: embedded
    watch_settle: float = Field(1.0, gt=0)  # seconds a new file's size must hold still
    scan_interval: float = Field(60.0, gt=0)  # seconds between listings of a watched S3 store

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.database_url is not None and "://" not in self.database_url:
            raise ValueError("MPR_DATABASE_URL must be a URL like postgresql+asyncpg://...")
        if self.executor == "lambda":
            self._check_lambda_mode()
        try:
            self.trusted_proxy_networks  # noqa: B018 - parsed here to fail at start
        except ValueError as e:
            raise ValueError(f"MPR_TRUSTED_PROXIES: {e}") from None
        if self._database_file_in_a_store():
            raise ValueError("MPR_DATABASE_URL: the SQLite file must not lie inside the media "
                             "folders (<data dir>/media), where it could be listed or served")
        return self

    def _check_lambda_mode(self) -> None:
        if self.storage != "s3":
            raise ValueError("MPR_EXECUTOR=lambda needs MPR_STORAGE=s3 (the Lambda reads S3)")
        if not _STATE_MACHINE_ARN.fullmatch(self.sfn_state_machine_arn or ""):
            raise ValueError("MPR_EXECUTOR=lambda needs MPR_SFN_STATE_MACHINE_ARN, a state "
                             "machine ARN like arn:aws:states:eu-west-1:123456789012:"
                             f"stateMachine:mpr (got {self.sfn_state_machine_arn!r})")
        if not _CALLBACK_URL.fullmatch(self.callback_url or ""):
            raise ValueError("MPR_EXECUTOR=lambda needs MPR_CALLBACK_URL, the http(s) base URL "
                             "the Lambda reaches this API at, like https://mpr.example.com "
                             f"(got {self.callback_url!r})")
        self._check_callback_secret()

    def _check_callback_secret(self) -> None:
        """MPR_CALLBACK_SECRET (32 characters at least) or MPR_CALLBACK_SECRET_ARN is set."""
        secret = self.callback_secret.get_secret_value() if self.callback_secret else ""
        if self.callback_secret is not None and len(secret) < MIN_CALLBACK_SECRET:
            raise ValueError(f"MPR_CALLBACK_SECRET must be at least {MIN_CALLBACK_SECRET} "
                             "characters (generate one: openssl rand -hex 32)")
        if not secret and not self.callback_secret_arn:
            raise ValueError("MPR_EXECUTOR=lambda needs MPR_CALLBACK_SECRET (or "
                             "MPR_CALLBACK_SECRET_ARN, a Secrets Manager secret holding it)")

    def _database_file_in_a_store(self) -> bool:
        url = self.database_url or ""
        if not url.startswith("sqlite") or ":///" not in url:
            return False
        database = Path(url.split(":///", 1)[1].split("?", 1)[0]).resolve()
        media = (self.data_dir / "media").resolve()
        return database == media or media in database.parents

    @property
    def allowed_host_names(self) -> frozenset[str]:
        """Host names requests may name: MPR_ALLOWED_HOSTS, or loopback + the bound address."""
        if self.allowed_hosts:
            return frozenset(_split(self.allowed_hosts.lower()))
        bound = {self.host.lower()} - {"0.0.0.0", "::", ""}  # noqa: S104 - excluded, not bound
        return frozenset({"localhost", "127.0.0.1", "::1", *bound})

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """MPR_TRUSTED_PROXIES as networks (an address is a network of one)."""
        return tuple(ip_network(part, strict=False) for part in _split(self.trusted_proxies))

    def is_trusted_proxy(self, address: str | None) -> bool:
        """True when a peer at this address may tell MPR the client's address and scheme."""
        try:
            peer = ip_address((address or "").strip())
        except ValueError:
            return False
        return any(peer in network for network in self.trusted_proxy_networks)

    @property
    def binds_loopback(self) -> bool:
        return self.host in ("127.0.0.1", "localhost", "::1") or self.host.startswith("127.")

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'mpr.sqlite3').resolve()}"

    @property
    def thumbnail_cache_bytes(self) -> int:
        return int(self.thumbnail_cache_mb * 2**20)

    @property
    def waveform_cache_bytes(self) -> int:
        """Waveforms (~15 KB each) share MPR_THUMBNAIL_CACHE_MB: an eighth of it, in its own
        directory, so that neither kind evicts the other."""
        return self.thumbnail_cache_bytes // 8

    @property
    def media_in(self) -> Path:
        return self.data_dir / "media" / "in"

    @property
    def media_out(self) -> Path:
        return self.data_dir / "media" / "out"

    @property
    def watch_enabled(self) -> bool:
        """MPR_WATCH, or on in the embedded mode (where the server runs the workers)."""
        return self.is_embedded if self.watch is None else self.watch

    @property
    def upload_staging(self) -> Path:
        """Where uploads gather: beside the input folder (same disk: finished ones are linked
        into it, not copied), outside any store."""
        return self.data_dir / "uploads"

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


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


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
