"""`jinlin check-config` tells an admin everything wrong with the file at once, in sentences."""

from __future__ import annotations

from pathlib import Path

from bot.app.cli import main as jinlin
from tests.harness import BUILDING_CONFIG

MANY_MISTAKES = (
    BUILDING_CONFIG.replace('timezone = "Asia/Shanghai"\n', "")
    .replace('emergency_number = "120"', "emergency_number = 120")
    .replace("captains = [9002]", "captains = [0, -1005]")
    + """
[[groups]]
chat_id = -1003
title = "Building 3 again"
building = "b3"
language = "fr"

[[groups]]
chat_id = -1007
building = "b7"

[[festivals]]
key = "mid_autumn"
name = "中秋赏月"
date = "中秋"
targets = "everyone"
"""
)


def check(tmp_path: Path, text: str, capsys) -> tuple[int, list[str]]:
    path = tmp_path / "jinlin.toml"
    path.write_text(text, "utf-8")
    code = jinlin(["check-config", str(path)])
    captured = capsys.readouterr()
    return code, [line.strip() for line in (captured.err + captured.out).splitlines()]


def test_schema_errors_duplicates_and_unknown_buildings_are_reported_together(tmp_path, capsys):
    code, lines = check(tmp_path, MANY_MISTAKES, capsys)
    assert code == 1
    report = "\n".join(lines)
    assert "groups[2].language" in report  # a schema error in the groups section…
    assert "groups[2].chat_id: -1003 is listed twice" in report  # …and, with it, the duplicate
    assert "groups[3].building: unknown building 'b7'" in report
    assert "has 6 problem(s)" in report, report


def test_a_number_where_text_is_wanted_says_to_quote_it(tmp_path, capsys):
    _, lines = check(tmp_path, MANY_MISTAKES, capsys)
    assert (
        '- bot.emergency_number: must be text: put the value in quotes (emergency_number = "120")'
        in lines
    )


def test_captain_ids_of_zero_or_below_are_errors(tmp_path, capsys):
    _, lines = check(tmp_path, MANY_MISTAKES, capsys)
    [line] = [line for line in lines if line.startswith("- buildings[1].captains")]
    assert "0 is not a Telegram user id" in line and "/id" in line


def test_a_value_of_several_possible_shapes_is_one_sentence(tmp_path, capsys):
    _, lines = check(tmp_path, MANY_MISTAKES, capsys)
    targets = [line for line in lines if "festivals[0].targets" in line]
    assert targets == [
        '- festivals[0].targets: must be "all", or {communities = ["key", …]}, '
        'or {buildings = ["key", …]}'
    ]
    _, lines = check(
        tmp_path, BUILDING_CONFIG.replace("captains = [9001]", "captains = [3.5]"), capsys
    )
    [line] = lines[1:]
    assert line == (
        "- buildings[0].captains[0]: "
        'must be a Telegram user id (a positive number) or a "@username"'
    )


def test_a_clean_file_still_passes(tmp_path, capsys):
    code, lines = check(tmp_path, BUILDING_CONFIG, capsys)
    assert code == 0 and lines[-1].startswith("✓")
