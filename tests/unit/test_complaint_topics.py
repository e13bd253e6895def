"""What a repair complaint is about, and when two complaints are about the same thing: the same
known topic, in the same building, while the report is unresolved and was active lately."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.complaints import SAME_THING_WITHIN, same_thing
from bot.core.understanding.repair import RepairTopic, repair_topic
from storage.captains_store import Report

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("电梯又坏了", RepairTopic.LIFT),
        ("電梯又壞了", RepairTopic.LIFT),  # traditional script
        ("The lift is stuck again", RepairTopic.LIFT),
        ("elevator broken again, I had to walk up", RepairTopic.LIFT),
        ("楼道灯坏了，好几天了", RepairTopic.LIGHT),
        ("the stairwell light is out again", RepairTopic.LIGHT),
        ("厨房天花板漏水", RepairTopic.WATER),
        ("pipe leaking under the sink", RepairTopic.WATER),
        ("没有热水", RepairTopic.WATER),
        ("toilet clogged again", RepairTopic.DRAIN),
        ("下水道堵了", RepairTopic.DRAIN),
        ("暖气不热", RepairTopic.HEATING),
        ("停电了，跳闸", RepairTopic.POWER),
        ("门禁坏了", RepairTopic.DOOR),
        ("the intercom doesn't work", RepairTopic.DOOR),
        ("墙皮掉了，裂缝很大", RepairTopic.STRUCTURE),
        ("垃圾没人收", RepairTopic.TRASH),
        ("修一下吧", None),  # a repair, but of what?
    ],
)
def test_a_complaint_is_about_one_thing(text, topic):
    assert repair_topic(text) == topic


NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def report(**changes) -> Report:
    values = dict(
        id=1,
        user_id=1001,
        chat_id=-1003,
        building="b3",
        text="The lift is stuck again",
        source="parser",
        status="open",
        created_at=NOW - timedelta(hours=5),
        updated_at=NOW - timedelta(hours=5),
        topic="lift",
        residents=1,
    )
    values.update(changes)
    return Report(**values)  # type: ignore[arg-type]


def test_the_same_topic_in_the_same_building_joins_the_open_report():
    assert same_thing(report(), "b3", RepairTopic.LIFT, NOW)
    assert same_thing(report(status="progress"), "b3", RepairTopic.LIFT, NOW)


@pytest.mark.parametrize(
    ("changes", "building", "topic"),
    [
        ({}, "b3", RepairTopic.LIGHT),  # another thing
        ({}, "b5", RepairTopic.LIFT),  # another building's lift
        ({}, "b3", None),  # nobody can tell what it is about
        ({"topic": None}, "b3", None),
        ({"status": "resolved"}, "b3", RepairTopic.LIFT),  # fixed: a new breakdown
        ({"updated_at": NOW - SAME_THING_WITHIN - timedelta(minutes=1)}, "b3", RepairTopic.LIFT),
    ],
)
def test_anything_else_is_a_report_of_its_own(changes, building, topic):
    assert not same_thing(report(**changes), building, topic, NOW)
