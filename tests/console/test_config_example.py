"""The shipped example config is what admins copy: it must always pass check-config."""

from __future__ import annotations

from pathlib import Path

from bot.app.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_config_passes_check_config(capsys):
    assert main(["check-config", str(ROOT / "config.example.toml")]) == 0
    assert "is valid" in capsys.readouterr().out


def test_a_broken_config_lists_every_problem_with_its_key_path(tmp_path, capsys):
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"')
    text = text.replace('date = "重阳"', 'date = "2月30日"')
    text = text.replace("expiry_days = 7", "expiry_days = 0\ncolour = 3")
    broken = tmp_path / "config.toml"
    broken.write_text(text, encoding="utf-8")
    assert main(["check-config", str(broken)]) == 1
    err = capsys.readouterr().err
    for path in ("bot.timezone", "bot.colour", "bot.expiry_days", "festivals[1].date"):
        assert path in err


def test_schema_errors_and_broken_references_are_reported_together(tmp_path, capsys):
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"')
    text = text.replace('building = "b5"', 'building = "b9"')
    broken = tmp_path / "config.toml"
    broken.write_text(text, encoding="utf-8")
    assert main(["check-config", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "bot.timezone" in err and "groups[1].building: unknown building 'b9'" in err
