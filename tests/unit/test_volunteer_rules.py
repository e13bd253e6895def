"""Pure rules of volunteering: reading a /duty line, which day it means, when volunteers are
reminded (quiet hours), points by the community's rule, export periods and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.festivals import QuietHours
from bot.core.volunteers.duty_text import DutyRefusal, parse_duty, shift_times
from bot.core.volunteers.points_rules import Earned, parse_period, points_csv, ranking, shift_points
from bot.core.volunteers.roster import reminder_plan
from bot.core.volunteers.settings import PointsRule
from bot.core.volunteers.vocabulary import (
    VolunteerAction,
    read_volunteer_press,
    volunteer_data,
)

pytestmark = pytest.mark.no_storage

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Tuesday 1 December 2026, 10:00 in Shanghai.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
QUIET = QuietHours(time(22, 0), time(7, 30))


def shift(line: str, now: datetime = NOW) -> tuple[str, str, str, int, bool, str | None]:
    request = parse_duty(line, ["b3", "b5"])
    starts, ends = shift_times(request, now, SHANGHAI)
    return (
        f"{starts:%Y-%m-%d %H:%M}",
        f"{ends:%H:%M}",
        request.title,
        request.slots,
        request.urgent,
        request.place,
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("周六 9:00-11:00 楼道清洁 4人", ("2026-12-05 09:00", "11:00", "楼道清洁", 4, False, None)),
        ("星期六 9:00 - 11:00 楼道清洁 4名",
         ("2026-12-05 09:00", "11:00", "楼道清洁", 4, False, None)),
        ("下周六 9点-11点半 扫雪 两人", ("2026-12-12 09:00", "11:30", "扫雪", 2, False, None)),
        ("明天 下午2点-4点 陪老人就医 1人 急 @ 社区医院",
         ("2026-12-02 14:00", "16:00", "陪老人就医", 1, True, "社区医院")),
        ("12月5日 8:00～9:00 垃圾分类监督 x3",
         ("2026-12-05 08:00", "09:00", "垃圾分类监督", 3, False, None)),
        ("Sat 9:00-11:00 stairwell cleaning 4 people",
         ("2026-12-05 09:00", "11:00", "stairwell cleaning", 4, False, None)),
        ("tomorrow 2-3:30pm escort to clinic 2 volunteers urgent",
         ("2026-12-02 14:00", "15:30", "escort to clinic", 2, True, None)),
        ("2026-12-24 11-1pm lunch delivery 3 people",
         ("2026-12-24 11:00", "13:00", "lunch delivery", 3, False, None)),
        ("next saturday 9:00-10:00 leaflets 1 person",
         ("2026-12-12 09:00", "10:00", "leaflets", 1, False, None)),
        # Said on the day before the shift starts: today; after it started: next week.
        ("周二 11:00-12:00 值班 2人", ("2026-12-01 11:00", "12:00", "值班", 2, False, None)),
        ("周二 9:00-10:00 值班 2人", ("2026-12-08 09:00", "10:00", "值班", 2, False, None)),
    ],
)  # fmt: skip
def test_a_duty_line_is_read_into_its_day_hours_title_and_slots(line, expected):
    assert shift(line) == expected


def test_a_building_key_first_names_the_building():
    assert parse_duty("b5 周六 9:00-11:00 清洁 4人", ["b3", "b5"]).building == "b5"
    assert parse_duty("周六 9:00-11:00 清洁 4人", ["b3", "b5"]).building is None


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("", "duty_usage"),
        ("9:00-11:00 楼道清洁 4人", "duty_missing_date"),
        ("周六 楼道清洁 4人", "duty_missing_time"),
        ("周六 9:00 楼道清洁 4人", "duty_missing_end"),
        ("周六 11:00-9:00 楼道清洁 4人", "duty_end_before_start"),
        ("周六 9:00-9:00 楼道清洁 4人", "duty_end_before_start"),
        ("周六 9:00-25:00 楼道清洁 4人", "duty_bad_time"),
        ("周六 9:00-11:00 楼道清洁", "duty_missing_slots"),
        ("周六 9:00-11:00 楼道清洁 0人", "duty_bad_slots"),
        ("周六 9:00-11:00 楼道清洁 51人", "duty_bad_slots"),
        ("周六 9:00-11:00 4人", "duty_missing_title"),
        ("周六 9:00-11:00 " + "清" * 61 + " 4人", "duty_title_too_long"),
        ("某天 9:00-11:00 楼道清洁 4人", "duty_bad_date"),
        ("2026-11-30 9:00-11:00 楼道清洁 4人", "duty_in_past"),
        ("2099-01-01 9:00-11:00 楼道清洁 4人", "duty_too_far"),
        ("今天 9:00-10:00 楼道清洁 4人", "duty_in_past"),
        ("周六 0:00-23:00 通宵值守 2人", "duty_too_long"),
    ],
)
def test_a_bad_duty_line_is_refused_with_the_first_thing_wrong(line, key):
    with pytest.raises(DutyRefusal) as refused:
        shift(line)
    assert refused.value.key == key


def test_an_unreadable_time_or_date_says_why_in_either_language():
    with pytest.raises(DutyRefusal) as refused:
        shift("周六 9:00-25:00 楼道清洁 4人")
    reason = refused.value.params["reason"]
    assert reason("en") == "no hour 25 (hours are 0–23)"
    assert reason("zh") == "没有25点（小时应为0–23）"


def test_reminders_come_the_evening_before_and_two_hours_before():
    starts = datetime(2026, 12, 5, 14, 0, tzinfo=SHANGHAI)
    plan = reminder_plan(starts, NOW, "20:00", 2, SHANGHAI, QUIET)
    assert [(r.kind, f"{r.at:%m-%d %H:%M}") for r in plan] == [
        ("evening", "12-04 20:00"),
        ("before", "12-05 12:00"),
    ]


def test_a_reminder_in_quiet_hours_moves_to_their_end_or_is_dropped_if_that_is_too_late():
    nine = datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)
    moved = reminder_plan(nine, NOW, "20:00", 2, SHANGHAI, QUIET)
    assert [f"{r.at:%m-%d %H:%M}" for r in moved] == ["12-04 20:00", "12-05 07:30"]
    seven = datetime(2026, 12, 5, 7, 0, tzinfo=SHANGHAI)
    dropped = reminder_plan(seven, NOW, "20:00", 2, SHANGHAI, QUIET)
    assert [r.kind for r in dropped] == ["evening"]
    late_evening = reminder_plan(nine, NOW, "23:00", 0, SHANGHAI, QUIET)
    assert [f"{r.at:%m-%d %H:%M}" for r in late_evening] == ["12-05 07:30"]


def test_no_reminder_before_the_duty_was_posted_and_none_twice_at_once():
    nine = datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)
    posted_late = datetime(2026, 12, 4, 21, 0, tzinfo=SHANGHAI)
    assert [r.kind for r in reminder_plan(nine, posted_late, "20:00", 2, SHANGHAI, QUIET)] == [
        "before"
    ]
    # 20:00 the evening before a 22:00 shift is also "2 hours before": said once.
    ten_pm = datetime(2026, 12, 5, 22, 0, tzinfo=SHANGHAI)
    assert len(reminder_plan(ten_pm, NOW, "20:00", 26, SHANGHAI, None)) == 1
    assert reminder_plan(nine, NOW, "", 0, SHANGHAI, QUIET) == []


def test_points_follow_the_communitys_rule():
    per_half_hour = PointsRule(per_half_hour=1)
    assert shift_points(per_half_hour, 120, urgent=False) == 4
    assert shift_points(per_half_hour, 45, urgent=False) == 1  # only full half hours count
    assert shift_points(per_half_hour, 20, urgent=False) == 0
    rich = PointsRule(per_half_hour=2, per_shift=3, urgent_bonus=5)
    assert shift_points(rich, 90, urgent=True) == 2 * 3 + 3 + 5
    assert shift_points(PointsRule(per_half_hour=0, per_shift=1), 600, urgent=False) == 1
    with pytest.raises(ValueError):
        shift_points(per_half_hour, -30, urgent=False)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026/2", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026年12月", date(2026, 12, 1), date(2026, 12, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026年", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_an_export_period_is_a_month_or_a_year(text, first, last):
    period = parse_period(text)
    assert period is not None and (period.first, period.last) == (first, last)


@pytest.mark.parametrize("text", ["", "2026-13", "2026-00", "Nov", "26-11", "2026-11-05"])
def test_anything_else_is_not_a_period(text):
    assert parse_period(text) is None


def _earned(user_id: int, name: str, points: int, minutes: int = 60) -> Earned:
    return Earned(user_id, name, "b3", "duty", "清洁", minutes, points, date(2026, 11, 7))


def test_the_ranking_puts_most_points_first_and_the_csv_is_safe_for_spreadsheets():
    rows = [_earned(1, "Alice", 2), _earned(2, "=cmd|' /C calc'!A0", 4), _earned(1, "Alice", 3)]
    assert [(s.name, s.points, s.shifts) for s in ranking(rows)] == [
        ("Alice", 5, 2),
        ("=cmd|' /C calc'!A0", 4, 1),
    ]
    content = points_csv(rows)
    assert content.startswith("\ufeff".encode())  # Excel reads the Chinese right
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert table[2][2] == "'=cmd|' /C calc'!A0"
    assert ["total", "", "Alice", "1", "2", "", "120", "5"] in table


def test_the_button_codec_reads_back_what_it_wrote_and_nothing_else():
    for action in VolunteerAction:
        assert read_volunteer_press(volunteer_data(action, 42)) == (action, 42)
    for forged in ("vt:x:1", "vt:s:", "vt:s:1:2", "ev:a:1", "vt:s:" + "9" * 13):
        assert read_volunteer_press(forged) is None
    assert len(volunteer_data(VolunteerAction.SIGN_UP, 10**12 - 1).encode()) <= 64
