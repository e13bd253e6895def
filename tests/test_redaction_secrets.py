"""Secrets in log lines: a database URL's password is replaced, everything else stays readable."""

from __future__ import annotations

import logging

import pytest

from bot.redaction import redact

pytestmark = pytest.mark.no_storage  # pure text


def test_a_database_password_never_reaches_a_log_line():
    line = redact("database postgresql://jinlin:s3cr3t-P4ss@db.internal:5432/jinlin")
    assert "s3cr3t-P4ss" not in line
    assert line == "database postgresql://jinlin:[password]@db.internal:5432/jinlin"


def test_urls_without_a_password_are_left_as_they_are():
    for text in (
        "postgresql://jinlin@db.internal/jinlin",
        "https://bot.example.org/telegram/webhook",
        "jinlin.sqlite3",
    ):
        assert redact(text) == text


def test_the_runner_logs_where_its_database_is_but_not_the_password(monkeypatch, caplog):
    from bot import runner
    from bot.config import parse_config

    class Stop(Exception):
        pass

    def no_polling(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(runner, "run_polling", no_polling)
    caplog.set_level(logging.INFO, logger="bot.runner")
    with pytest.raises(Stop):
        runner.run_bot(
            parse_config({}),
            token="123456:TEST",
            database="postgresql://jinlin:s3cr3t-P4ss@127.0.0.1:1/jinlin",
        )
    assert "127.0.0.1:1/jinlin" in caplog.text
    assert "s3cr3t-P4ss" not in caplog.text
