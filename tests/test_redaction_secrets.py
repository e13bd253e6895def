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


def _logged(message: str, *args: object) -> str:
    from bot.log_setup import RedactingFilter

    record = logging.LogRecord("jinlin", logging.INFO, __file__, 1, message, args, None)
    RedactingFilter().filter(record)
    return record.getMessage()


def test_log_lines_name_chats_users_and_updates_by_their_ids():
    line = _logged(
        "handler failed (update %s, chat %s): user %s entry %s",
        987654321,
        -1001234567890,
        7123456789,
        12345678,
    )
    assert line == (
        "handler failed (update 987654321, chat -1001234567890): user 7123456789 entry 12345678"
    )


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086 138-1234-5678",
        "021-62123456",
        "(021) 6212 3456",
        "6212 3456",
        "+1 415 555 0100",
        "+44 20 7946 0958",
        "+852 9123 4567",
    ],
)
def test_phone_numbers_in_log_lines_are_hidden_by_their_shape(phone):
    line = _logged("relay from 7123456789: call me on %s tonight", phone)
    assert line == "relay from 7123456789: call me on [phone] tonight"
