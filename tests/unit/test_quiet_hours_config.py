"""An admin can turn quiet hours off, as config.example.toml tells them how.

Without the [bot.quiet_hours] table the defaults (22:00-07:30) apply, so "off" is said
outright: `quiet_hours = "off"` in [bot], like `digest = "off"`.
"""

from __future__ import annotations

import tomllib
from datetime import time
from pathlib import Path

import pytest

from bot.core.config import ConfigError, parse_config

pytestmark = pytest.mark.no_storage

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def _example() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_the_example_keeps_quiet_nights():
    quiet = parse_config(_example()).bot.quiet_hours
    assert quiet is not None and (quiet.start_time, quiet.end_time) == (time(22), time(7, 30))


def test_quiet_hours_off_lets_the_bot_post_at_any_hour():
    data = _example()
    data["bot"]["quiet_hours"] = "off"
    assert parse_config(data).bot.quiet_hours is None


def test_only_the_word_off_turns_them_off():
    data = _example()
    data["bot"]["quiet_hours"] = "never"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert any(p.path.startswith("bot.quiet_hours") for p in caught.value.problems)


def test_the_example_says_how_to_turn_them_off():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert 'quiet_hours = "off"' in text
