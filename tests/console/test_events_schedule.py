"""`jinlin schedule` lists a year of reminders: the five traditional festivals and a flea market."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from pathlib import Path

from bot.app.cli import main
from tests import backends
from tests.harness import BUILDING_CONFIG, Building, make_config

FESTIVALS = (
    "".join(
        f"""
[[festivals]]
key = "{key}"
name = {{ zh = "{zh}", en = "{en}" }}
date = "{date}"
time = "10:00"
reminders = ["0d@09:00"]
"""
        for key, zh, en, date in (
            ("spring", "春节团拜", "Spring Festival", "春节"),
            ("lantern", "元宵猜灯谜", "Lantern riddles", "元宵"),
            ("dragon_boat", "端午包粽子", "Dragon Boat dumplings", "端午"),
            ("mid_autumn", "中秋赏月", "Mid-Autumn gathering", "农历八月十五"),
            ("double_ninth", "重阳敬老", "Double Ninth for elders", "重阳"),
        )
    )
    + """
[[festivals]]
key = "flea_market"
name = { zh = "跳蚤市场", en = "Flea market" }
date = "每月第一个周六"
time = "09:30"
reminders = ["1d", "0d@08:00"]
targets = { buildings = ["b3"] }
"""
)


def run_schedule(tmp_path: Path, capsys, *args: str, config: str | None = None):
    path = tmp_path / "config.toml"
    path.write_text(BUILDING_CONFIG + FESTIVALS if config is None else config, "utf-8")
    code = main(["schedule", "--config", str(path), *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_the_2027_dates_of_the_traditional_festivals_and_the_monthly_flea_market(tmp_path, capsys):
    code, lines, _ = run_schedule(tmp_path, capsys, "--from", "2026-12-01", "--to", "2027-12-31")
    assert code == 0
    days: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        days[line["event"]].add(line["at"][:10])
    # Spot-checked against the published 2027 calendar (国务院办公厅 holiday notice / HKO).
    assert days["spring"] == {"2027-02-06"}
    assert days["lantern"] == {"2027-02-20"}
    assert days["dragon_boat"] == {"2027-06-09"}
    assert days["mid_autumn"] == {"2027-09-15"}
    assert days["double_ninth"] == {"2027-10-08"}
    first_saturdays = {
        "2026-12-05", "2027-01-02", "2027-02-06", "2027-03-06", "2027-04-03", "2027-05-01",
        "2027-06-05", "2027-07-03", "2027-08-07", "2027-09-04", "2027-10-02", "2027-11-06",
        "2027-12-04",
    }  # fmt: skip
    flea = [line for line in lines if line["event"] == "flea_market"]
    assert {line["at"][:10] for line in flea if "T08:00" in line["at"]} == first_saturdays
    assert {line["chat_id"] for line in flea} == {-1003}  # building 3 only

    mid_autumn = [line for line in lines if line["event"] == "mid_autumn"]
    assert mid_autumn == [
        {
            "at": "2027-09-15T09:00:00+08:00",
            "event": "mid_autumn",
            "chat_id": -1003,
            "text": "📅 Mid-Autumn gathering — today (lunar 8/15) 10:00",
        },
        {
            "at": "2027-09-15T09:00:00+08:00",
            "event": "mid_autumn",
            "chat_id": -1005,
            "text": "📅 中秋赏月 — 今天（农历八月十五）10:00",
        },
    ]
    assert [line["at"] for line in lines] == sorted(line["at"] for line in lines)


def test_bad_dates_and_a_bad_config_exit_1_with_a_clear_message(tmp_path, capsys):
    code, lines, err = run_schedule(tmp_path, capsys, "--from", "2027-02-30", "--to", "2027-12-31")
    assert (code, lines) == (1, []) and "--from '2027-02-30' is not a date" in err
    code, _, err = run_schedule(tmp_path, capsys, "--from", "2027-12-31", "--to", "2027-01-01")
    assert code == 1 and "is before --from" in err
    broken = BUILDING_CONFIG + FESTIVALS.replace('date = "春节"', 'date = "农历十三月初一"')
    code, _, err = run_schedule(
        tmp_path, capsys, "--from", "2027-01-01", "--to", "2027-12-31", config=broken
    )
    assert code == 1 and "festivals[0].date" in err and "no month 13" in err
    unknown = BUILDING_CONFIG + FESTIVALS.replace('buildings = ["b3"]', 'buildings = ["b9"]')
    code, _, err = run_schedule(
        tmp_path, capsys, "--from", "2027-01-01", "--to", "2027-12-31", config=unknown
    )
    assert code == 1 and "unknown building 'b9'" in err


def test_captains_events_from_the_database_are_included_with_db(tmp_path, capsys):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")

    async def captain_adds_an_event() -> None:
        async with Building(make_config(), database=database) as b:
            await b.say(b.captain, "/event add 2027-03-20 14:00 Charity sale @ lobby")

    asyncio.run(captain_adds_an_event())
    code, lines, _ = run_schedule(
        tmp_path, capsys, "--from", "2027-03-01", "--to", "2027-03-31", "--db", database,
        config=BUILDING_CONFIG,
    )  # fmt: skip
    assert code == 0
    assert [(line["at"], line["event"], line["chat_id"]) for line in lines] == [
        ("2027-03-13T14:00:00+08:00", "event_1", -1003),
        ("2027-03-19T14:00:00+08:00", "event_1", -1003),
        ("2027-03-20T09:00:00+08:00", "event_1", -1003),
    ]
