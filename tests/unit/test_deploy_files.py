"""What deploy/ promises an operator, read from the files themselves (no Docker engine here):
health checks, start order, volumes, restarts, no secret in the compose file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ONE_SHOT = {"migrate", "buckets"}
SECRET = re.compile(r"PASSWORD|SECRET|_KEY")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    found: dict[str, Any] = compose["services"]
    return found


def test_every_long_running_service_has_a_health_check_and_a_restart_policy(services):
    long_running = set(services) - ONE_SHOT

    assert long_running == {"nginx", "api", "worker", "postgres", "redis", "minio"}
    for name in long_running:
        assert services[name]["healthcheck"]["test"], name
        assert services[name]["restart"] == "unless-stopped", name
    for name in ONE_SHOT:
        assert services[name]["restart"] == "no", name


def test_the_api_and_workers_start_after_the_migrations_and_the_buckets(services):
    for name in ("api", "worker"):
        needs = {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}
        assert needs == {"migrate": "service_completed_successfully",
                         "buckets": "service_completed_successfully",
                         "redis": "service_healthy"}, name
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["nginx"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_workers_can_be_scaled(services):
    worker = services["worker"]

    assert "container_name" not in worker
    assert "ports" not in worker


def test_postgresql_and_minio_keep_their_data_in_named_volumes(services):
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())

    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "minio-data:/data" in services["minio"]["volumes"]
    assert {"postgres-data", "minio-data"} <= set(compose["volumes"])
    assert "--console-address" in services["minio"]["command"]


def test_no_secret_is_written_in_the_compose_file(services):
    for name, service in services.items():
        environment = service.get("environment", {})
        for key, value in environment.items():
            if SECRET.search(key):
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", str(value)), (name, key, value)
        url = environment.get("MPR_DATABASE_URL", "")
        assert "@" not in url or "${POSTGRES_PASSWORD:?" in url, (name, url)


def test_the_env_example_leaves_every_secret_to_the_operator():
    lines = (DEPLOY / ".env.example").read_text().splitlines()
    settings = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))

    secrets = {k: v for k, v in settings.items() if SECRET.search(k) and k != "MINIO_ROOT_USER"}
    assert set(secrets) == {"POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD", "MPR_SECRET_KEY",
                            "MPR_ADMIN_PASSWORD"}
    assert set(secrets.values()) == {""}


def test_the_nginx_template_uses_only_its_documented_variables():
    template = (DEPLOY / "nginx" / "mpr.conf.template").read_text()
    body = "\n".join(line for line in template.splitlines() if not line.lstrip().startswith("#"))

    # envsubst replaces any defined environment variable: upper-case names are ours,
    # nginx's own ($host, $http_upgrade) are lower-case
    assert set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", body)) == {"MPR_API_UPSTREAM",
                                                                "NGINX_LISTEN"}
