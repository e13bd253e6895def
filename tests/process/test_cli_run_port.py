"""`jinlin run --webhook --port N`: several workers share one config, each on its own port."""

from __future__ import annotations

import pytest

from bot.app import runner
from bot.app.cli import main as jinlin

pytestmark = pytest.mark.no_storage  # run_bot is replaced: no database is opened

CONFIG = """
[webhook]
url = "https://bot.example.org/telegram/webhook"
port = 8080
"""


@pytest.fixture
def launched(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, "utf-8")
    monkeypatch.setenv("JINLIN_TOKEN", "123456:TEST")
    monkeypatch.setenv("JINLIN_WEBHOOK_SECRET", "s3cret-for-tests")
    seen: dict = {}

    def fake_run_bot(config, **kwargs):
        seen.update(kwargs)
        return 0

    monkeypatch.setattr(runner, "run_bot", fake_run_bot)
    return str(config), seen


def test_the_port_flag_overrides_the_configs_port_and_nothing_else(launched):
    config, seen = launched
    assert jinlin(["run", "--config", config, "--webhook", "--port", "8091"]) == 0
    webhook = seen["webhook"]
    assert webhook.port == 8091
    assert webhook.url == "https://bot.example.org/telegram/webhook"
    assert webhook.path == "/telegram/webhook"

    assert jinlin(["run", "--config", config, "--webhook"]) == 0
    assert seen["webhook"].port == 8080


def test_a_port_without_webhook_or_out_of_range_is_refused(launched, capsys):
    config, _ = launched
    assert jinlin(["run", "--config", config, "--port", "8091"]) == 2
    assert "only applies with --webhook" in capsys.readouterr().err
    for bad in ("0", "70000", "http"):
        with pytest.raises(SystemExit) as exit_info:
            jinlin(["run", "--config", config, "--webhook", "--port", bad])
        assert exit_info.value.code == 2
        assert "not a port number" in capsys.readouterr().err


def test_a_worker_is_named_by_host_and_port_unless_the_operator_names_it(monkeypatch):
    import socket

    from bot.app.runner import worker_name
    from bot.app.webhook_mode import WebhookLaunch

    launch = WebhookLaunch(
        url="https://bot.example.org/hook", listen="127.0.0.1", port=8081, path="/hook", secret="s"
    )
    monkeypatch.delenv("JINLIN_WORKER_NAME", raising=False)
    host = socket.gethostname()
    assert worker_name(launch) == f"{host}:8081"
    assert worker_name(None) == f"{host}:polling"
    monkeypatch.setenv("JINLIN_WORKER_NAME", "pod-7")
    assert worker_name(launch) == "pod-7"
