"""Planning reminders: which moments, once each, in the configured zone, out of quiet hours."""

import tomllib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.core.festivals import (
    EventDef,
    EventSpec,
    FestivalsConfig,
    LocalizedText,
    LunarDate,
    NthWeekday,
    OneOff,
    QuietHours,
    parse_offset,
    plan_all,
    plan_reminders,
    reminder_text,
    render_reminder,
)
from bot.core.festivals.reminders import next_occurrences

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = QuietHours(time(22, 0), time(7, 30))

CONFIG = """
[[festivals]]
key = "chongyang"
name = { zh = "重阳节敬老演出", en = "Double Ninth show for elders" }
date = "农历九月初九"
time = "15:00"
place = { zh = "社区活动中心", en = "community centre" }
reminders = ["7d", "1d", "0d@09:00"]
targets = "all"

[[festivals]]
key = "flea_market"
name = { zh = "跳蚤市场", en = "Flea market" }
date = "每月第一个周六"
time = "09:00"
place = { zh = "1号楼前广场", en = "square in front of Building 1" }
reminders = ["1d", "0d@08:00"]
targets = { buildings = ["1", "2"] }

[[festivals]]
key = "zhongqiu"
name = "中秋联欢"
date = "中秋"
reminders = ["3d"]
targets = { communities = ["翠湖苑"] }
text = { zh = "带上月饼！", en = "Bring mooncakes!" }
"""


def year(y: int, tz: ZoneInfo = SHANGHAI) -> tuple[datetime, datetime]:
    return datetime(y, 1, 1, tzinfo=tz), datetime(y + 1, 1, 1, tzinfo=tz)


def event(rule, start_time=None, reminders=("1d",), key="ev"):
    return EventDef(
        key=key,
        name=LocalizedText(zh="活动", en="Event"),
        rule=rule,
        start_time=start_time,
        reminders=tuple(parse_offset(r) for r in reminders),
    )


@pytest.fixture
def festivals():
    return FestivalsConfig.model_validate(tomllib.loads(CONFIG)).festivals


def test_the_double_ninth_show_in_2027(festivals):
    chongyang = festivals[0]
    planned = plan_reminders(chongyang, *year(2027), SHANGHAI, NIGHT)
    assert [r.at.isoformat() for r in planned] == [
        "2027-10-01T15:00:00+08:00",  # 7d: same wall-clock time a week before 重阳 (10-08)
        "2027-10-07T15:00:00+08:00",  # 1d
        "2027-10-08T09:00:00+08:00",  # 0d@09:00
    ]
    assert [r.reminder_key for r in planned] == [
        "chongyang:2027-10-08:7d",
        "chongyang:2027-10-08:1d",
        "chongyang:2027-10-08:0d@09:00",
    ]


def test_the_monthly_flea_market_has_two_reminders_every_month(festivals):
    planned = plan_reminders(festivals[1], *year(2027), SHANGHAI, NIGHT)
    # 12 markets x 2, plus the eve of Saturday 2028-01-01, which falls on 2027-12-31.
    assert len(planned) == 25
    assert planned[-1].reminder_key == "flea_market:2028-01-01:1d"
    assert planned[0].at.isoformat() == "2027-01-01T09:00:00+08:00"  # Fri before Sat 01-02
    assert planned[1].at.isoformat() == "2027-01-02T08:00:00+08:00"
    assert {r.occurrence.weekday() for r in planned} == {5}
    assert planned == sorted(planned)


def test_a_festival_without_time_is_reminded_at_the_default_ten_oclock(festivals):
    (mid_autumn,) = plan_reminders(festivals[2], *year(2027), SHANGHAI)
    assert mid_autumn.at.isoformat() == "2027-09-12T10:00:00+08:00"  # 中秋 2027-09-15 − 3d


def test_plan_all_merges_events_in_time_order(festivals):
    planned = plan_all(festivals, *year(2027), SHANGHAI, NIGHT)
    assert len(planned) == 3 + 25 + 1
    assert [r.at for r in planned] == sorted(r.at for r in planned)
    assert len({r.reminder_key for r in planned}) == len(planned)


def test_the_window_is_half_open_so_consecutive_runs_never_overlap():
    ev = event(OneOff(date(2027, 5, 2)), time(10, 0))
    due = datetime(2027, 5, 1, 10, 0, tzinfo=SHANGHAI)
    assert plan_reminders(ev, due, due.replace(hour=11), SHANGHAI) != []
    assert plan_reminders(ev, due.replace(hour=9), due, SHANGHAI) == []


def test_reminder_in_quiet_hours_moves_to_their_end():
    ev = event(OneOff(date(2027, 5, 2)), time(8, 0), reminders=("0d@06:00",))
    (r,) = plan_reminders(ev, *year(2027), SHANGHAI, NIGHT)
    assert r.at.isoformat() == "2027-05-02T07:30:00+08:00"
    assert r.offset == "0d@06:00"  # the key still names the offset the admin wrote


def test_evening_reminder_in_quiet_hours_moves_to_the_next_morning():
    ev = event(OneOff(date(2027, 5, 2)), time(10, 0), reminders=("1d@23:00",))
    (r,) = plan_reminders(ev, *year(2027), SHANGHAI, NIGHT)
    assert r.at.isoformat() == "2027-05-02T07:30:00+08:00"
    # It is now posted on the day itself, so the text says "today", not "tomorrow".
    assert "今天" in render_reminder(r, ev, "zh")


def test_a_reminder_pushed_past_the_start_is_dropped():
    # 2h before a 23:00 film night is 21:00 (fine); 1h before is 22:00, quiet until after it.
    ev = event(OneOff(date(2027, 5, 2)), time(23, 0), reminders=("2h", "1h"))
    planned = plan_reminders(ev, *year(2027), SHANGHAI, NIGHT)
    assert [r.offset for r in planned] == ["2h"]


def test_two_offsets_landing_on_the_same_minute_post_once():
    ev = event(OneOff(date(2027, 5, 2)), time(8, 0), reminders=("0d@06:00", "0d@07:00"))
    planned = plan_reminders(ev, *year(2027), SHANGHAI, NIGHT)
    assert [(r.at.time(), r.offset) for r in planned] == [(time(7, 30), "0d@06:00")]


def test_skipped_occurrences_get_no_reminders():
    base = event(NthWeekday(1, 5), time(9, 0))
    skipping = EventDef(**{**base.__dict__, "skip_dates": frozenset({date(2027, 1, 2)})})
    planned = plan_reminders(skipping, *year(2027), SHANGHAI)
    occurrences = {r.occurrence for r in planned if r.occurrence.year == 2027}
    assert date(2027, 1, 2) not in occurrences and len(occurrences) == 11


def test_berlin_offsets_follow_daylight_saving_time():
    # Last Sunday of March 2027 (03-28) is the night Berlin moves from +01:00 to +02:00;
    # last Sunday of October (10-31) it moves back.
    ev = event(NthWeekday(-1, 6), time(10, 0), reminders=("1d", "2h", "0d@09:00"))
    planned = plan_reminders(ev, *year(2027, BERLIN), BERLIN)
    march = [r.at.isoformat() for r in planned if r.occurrence == date(2027, 3, 28)]
    assert march == [
        "2027-03-27T10:00:00+01:00",  # "1d" keeps the wall-clock time: only 23 real hours
        "2027-03-28T08:00:00+02:00",  # "2h" is elapsed time
        "2027-03-28T09:00:00+02:00",
    ]
    october = [r.at.isoformat() for r in planned if r.occurrence == date(2027, 10, 31)]
    assert october[0] == "2027-10-30T10:00:00+02:00"
    assert october[1] == "2027-10-31T08:00:00+01:00"


def test_berlin_start_time_inside_the_dst_gap_uses_the_real_instant():
    ev = event(OneOff(date(2027, 3, 28)), time(2, 30), reminders=("30m",))
    (r,) = plan_reminders(ev, *year(2027, BERLIN), BERLIN)
    assert r.at.isoformat() == "2027-03-28T03:00:00+02:00"  # 02:30 does not exist -> 03:30


def test_shanghai_never_changes_offset():
    ev = event(NthWeekday(-1, 6), time(10, 0))
    offsets = {r.at.utcoffset() for r in plan_reminders(ev, *year(2027), SHANGHAI)}
    assert offsets == {timedelta(hours=8)}


def test_planning_needs_aware_datetimes():
    ev = event(OneOff(date(2027, 5, 2)))
    with pytest.raises(ValueError, match="aware"):
        plan_reminders(ev, datetime(2027, 1, 1), datetime(2028, 1, 1), SHANGHAI)


def test_next_occurrences_for_the_events_list(festivals):
    ev = festivals[0].to_event()
    now = datetime(2027, 10, 8, 16, 0, tzinfo=SHANGHAI)  # just after this year's show
    assert [d.date() for d in next_occurrences(ev, now, SHANGHAI, 2)] == [
        date(2028, 10, 26),
        date(2029, 10, 16),
    ]
    assert next_occurrences(event(OneOff(date(2026, 1, 1))), now, SHANGHAI) == []


def test_reminder_texts_in_both_languages(festivals):
    ev = festivals[0].to_event()
    planned = plan_reminders(ev, *year(2027), SHANGHAI, NIGHT)
    assert render_reminder(planned[1], ev, "zh") == (
        "📅 重阳节敬老演出 — 明天（农历九月初九）15:00，社区活动中心"
    )
    assert render_reminder(planned[1], ev, "en") == (
        "📅 Double Ninth show for elders — tomorrow (lunar 9/9) 15:00, community centre"
    )
    assert render_reminder(planned[0], ev, "zh") == (
        "📅 重阳节敬老演出 — 7天后，10月8日（周五，农历九月初九）15:00，社区活动中心"
    )
    assert render_reminder(planned[0], ev, "en") == (
        "📅 Double Ninth show for elders — in 7 days, Fri 8 Oct (lunar 9/9) 15:00, community centre"
    )


def test_reminder_text_without_time_or_place_and_with_extra_text(festivals):
    ev = festivals[2].to_event()
    (r,) = plan_reminders(ev, *year(2027), SHANGHAI)
    assert render_reminder(r, ev, "en") == (
        "📅 中秋联欢 — in 3 days, Wed 15 Sep (lunar 8/15)\nBring mooncakes!"
    )
    plain = reminder_text("跳蚤市场", date(2027, 1, 2), time(9, 0), None, "1d", "zh")
    assert plain == "📅 跳蚤市场 — 明天 09:00"
    assert LunarDate(8, 15) == ev.rule


def test_config_errors_name_the_key_path():
    bad = """
[[festivals]]
key = "Chong Yang"
name = {}
date = "2月30日"
time = "25:00"
reminders = ["7d", "soon"]
targets = { floors = ["3"] }
colour = "red"
"""
    with pytest.raises(ValidationError) as caught:
        FestivalsConfig.model_validate(tomllib.loads(bad))
    errors = {".".join(map(str, e["loc"])): e["msg"] for e in caught.value.errors()}
    assert "pattern" in errors["festivals.0.key"]
    assert "needs zh or en" in errors["festivals.0.name.localized"]
    assert "Feb has no day 30" in errors["festivals.0.date"]
    assert "2月没有30日" in errors["festivals.0.date"]
    assert "no hour 25" in errors["festivals.0.time"]
    assert "cannot read this reminder offset" in errors["festivals.0.reminders.1"]
    assert any(k.startswith("festivals.0.targets") for k in errors)
    assert "Extra inputs" in errors["festivals.0.colour"]


def test_config_refuses_duplicate_keys_and_late_same_day_reminders():
    dup = {"festivals": [{"key": "a", "name": "A", "date": "重阳"}] * 2}
    with pytest.raises(ValidationError, match="is used twice"):
        FestivalsConfig.model_validate(dup)
    with pytest.raises(ValidationError, match="not before the start"):
        EventSpec(key="a", name="A", date="重阳", time="08:00", reminders=["0d@09:00"])
    with pytest.raises(ValidationError, match="duplicates"):
        EventSpec(key="a", name="A", date="重阳", reminders=["1d", "1天前"])


def test_config_values_are_stored_canonically():
    spec = EventSpec(
        key="a", name="A", date=" 重阳 ", time="下午3点", reminders=["一周"[:0] + "1w"]
    )
    assert (spec.date, spec.time, spec.reminders, spec.targets) == ("重阳", "15:00", ["7d"], "all")
    assert spec.to_event().name == LocalizedText(zh="A", en="A")
