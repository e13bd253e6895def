"""The deployment files an admin copies: the compose file, the image's entry point, the
systemd units, and the secret files they hand to Jinlin.

Docker is not on the machine that runs these tests, so the image is not built here: the
compose file's structure is checked, and the entry point runs with a stand-in `jinlin`.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.core.config import ConfigError, secret_from_env
from tests.harness import make_config

pytestmark = pytest.mark.no_storage

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "deploy" / "docker-entrypoint.sh"


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_starts_one_sqlite_bot_by_default():
    services = compose()["services"]
    default = {name for name, spec in services.items() if not spec.get("profiles")}
    assert default == {"jinlin"}
    bot = services["jinlin"]
    assert "command" not in bot  # the entry point's default: jinlin run, long polling
    assert any(v.endswith(":/data") for v in bot["volumes"])  # the SQLite file survives
    assert "/config/config.toml:ro" in " ".join(bot["volumes"])


def test_compose_postgres_profile_runs_several_webhook_workers_behind_a_balancer():
    services = compose()["services"]
    workers = {n: s for n, s in services.items() if "--webhook" in s.get("command", [])}
    assert len(workers) >= 2
    assert all(s["profiles"] == ["postgres"] for s in workers.values())
    names = {s["environment"]["JINLIN_WORKER_NAME"] for s in workers.values()}
    assert len(names) == len(workers)  # leases are held by name
    for spec in workers.values():
        assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert spec["environment"]["JINLIN_DATABASE_URL_FILE"] == "/run/secrets/database_url"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert set(re.findall(r"server (\S+):8080;", nginx)) == set(workers)
    assert services["balancer"]["profiles"] == ["postgres"]


def test_compose_passes_secrets_as_files_never_as_values():
    spec = compose()
    defined = set(spec["secrets"])
    for name, service in spec["services"].items():
        assert set(service.get("secrets", [])) <= defined, name
        for key, value in (service.get("environment") or {}).items():
            secret_like = re.search(r"TOKEN|PASSWORD|SECRET|DATABASE_URL", key)
            assert not secret_like or key.endswith("_FILE"), f"{name}: {key}={value}"


def test_the_image_runs_as_its_own_user_and_checks_its_health():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^USER jinlin$", dockerfile, re.M)
    assert "deploy/docker-entrypoint.sh" in dockerfile
    assert '"jinlin-entrypoint"' in dockerfile
    assert "/healthz" in dockerfile


@pytest.fixture
def fake_jinlin(tmp_path: Path) -> dict[str, str]:
    """A `jinlin` that prints what it was asked to do, first on the PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "jinlin"
    fake.write_text('#!/bin/sh\necho "jinlin $*"\n', encoding="utf-8")
    fake.chmod(0o755)
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "JINLIN_CONFIG": str(config)}


def entrypoint(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=10
    )


def test_entrypoint_runs_the_bot_with_the_mounted_config(fake_jinlin):
    done = entrypoint(fake_jinlin)
    assert done.returncode == 0
    assert done.stdout.strip() == f"jinlin run --config {fake_jinlin['JINLIN_CONFIG']}"


def test_entrypoint_adds_worker_options_and_the_monitoring_port(fake_jinlin):
    env = {**fake_jinlin, "JINLIN_MONITORING_PORT": "9108"}
    done = entrypoint(env, "--webhook", "--port", "8081")
    assert done.stdout.strip() == (
        f"jinlin run --config {env['JINLIN_CONFIG']} --monitoring-port 9108 --webhook --port 8081"
    )


def test_entrypoint_passes_other_commands_through(fake_jinlin):
    done = entrypoint(fake_jinlin, "check-config", "/config/config.toml")
    assert done.stdout.strip() == "jinlin check-config /config/config.toml"


def test_entrypoint_without_a_config_says_where_to_mount_it(fake_jinlin, tmp_path):
    env = {**fake_jinlin, "JINLIN_CONFIG": str(tmp_path / "missing.toml")}
    done = entrypoint(env)
    assert done.returncode == 2
    assert "no config at" in done.stderr and "missing.toml" in done.stderr


def unit(name: str) -> list[tuple[str, str]]:
    lines = (ROOT / "deploy" / "systemd" / name).read_text(encoding="utf-8").splitlines()
    return [
        (key.strip(), value.strip())
        for key, sep, value in (line.partition("=") for line in lines)
        if sep and not key.startswith(("#", "["))
    ]


@pytest.mark.parametrize("name", ["jinlin.service", "jinlin@.service"])
def test_systemd_units_run_as_their_own_user_with_secrets_out_of_the_environment(name):
    settings = unit(name)
    keys = dict(settings)
    assert keys["User"] == "jinlin" and keys["NoNewPrivileges"] == "yes"
    assert keys["ProtectSystem"] == "strict" and keys["CapabilityBoundingSet"] == ""
    assert not [v for k, v in settings if k == "Environment" and "JINLIN" in v]
    credentials = [v for k, v in settings if k == "LoadCredential"]
    assert any(c.startswith("token:") for c in credentials)
    assert "jinlin run" in keys["ExecStart"]


def test_the_units_credentials_are_what_jinlin_reads(tmp_path, monkeypatch):
    for name in ("JINLIN_TOKEN", "JINLIN_DATABASE_URL", "JINLIN_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    for key, value in unit("jinlin@.service"):
        if key == "LoadCredential":
            credential = value.split(":")[0]
            (tmp_path / credential).write_text(f"the-{credential}\n", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert make_config().token() == "the-token"
    assert secret_from_env("JINLIN_DATABASE_URL") == "the-database_url"
    assert secret_from_env("JINLIN_WEBHOOK_SECRET") == "the-webhook_secret"


def test_a_secret_file_is_read_and_a_missing_one_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("JINLIN_TOKEN", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    token = tmp_path / "token"
    token.write_text("123:from-a-file\n", encoding="utf-8")
    monkeypatch.setenv("JINLIN_TOKEN_FILE", str(token))
    assert make_config().token() == "123:from-a-file"
    monkeypatch.setenv("JINLIN_TOKEN_FILE", str(tmp_path / "nope"))
    with pytest.raises(ConfigError) as error:
        make_config().token()
    assert "JINLIN_TOKEN_FILE" in str(error.value) and "nope" in str(error.value)
