"""How the web app logs: straight to stderr, record by record, at MPR_LOG_LEVEL.

Litestar's default sends records through a queue to a listener thread that is stopped at
exit. uvicorn ends a graceful shutdown by raising the stop signal again, so the process dies
without running exit handlers and the last records (the shutdown's own among them) were
lost. A record is one short write; MPR logs a line per job event, not per request."""

from __future__ import annotations

from litestar.logging import LoggingConfig

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as the CLI's


def logging_config(level: str) -> LoggingConfig:
    """The app's logging: the root logger to stderr at the given level."""
    return LoggingConfig(
        root={"level": level, "handlers": ["console"]},
        handlers={"console": {"class": "logging.StreamHandler", "level": "DEBUG",
                              "formatter": "standard"}},
        formatters={"standard": {"format": FORMAT}},
    )
