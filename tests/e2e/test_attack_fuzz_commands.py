"""Attack: extreme numbers and dates in today's commands; every one is answered, none crashes."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.test_attack_points import Failures
from tests.e2e.test_bookings import RESOURCES
from tests.harness import BUILDING_CONFIG, Building, make_config

CONFIG = BUILDING_CONFIG + RESOURCES + "\n[volunteers]\npoints = { per_shift = 1 }\n"

LINES = [
    "/duty Sat 9:00-11:00 stairwell cleaning 1000000000 people",
    "/duty Sat 9:00-11:00 stairwell cleaning -5 people",
    "/duty 9999-12-31 9:00-11:00 stairwell",
    "/duty 0001-01-01 9:00-11:00 stairwell",
    "/duty 2026-12-05 23:00-01:00 night watch",
    "/duty every day 9:00-9:30 watering 50 people",
    "/duty 2026-12-05 99:99-11:00 x",
    "/deliberate Q? | A | B --closes 9999-12-31 23:59",
    "/deliberate Q? | A | B --closes 0001-01-01 00:00",
    "/deliberate Q? | A | B --closes 2026-12-05 99:99",
    "/deliberate Q?" + " | x" * 200,
    "/bookings block activity_room 9999-12-31 09:00-12:00 x",
    "/bookings block activity_room 0001-01-01 09:00-12:00 x",
    "/bookings block activity_room 2026-12-03 99:00-12:00 x",
    "/bookings block activity_room 2026-12-03 09:00-09:00 x",
    "/bookings report 0000-01",
    "/bookings report 9999-12",
    "/points export 99999-99",
    "/awards announce 9999-12",
    "/deliberations follow 99999999999999999999 hi",
    "/duty cancel 99999999999999999999",
    "/captain add b3 999999999999999",
]


@pytest.mark.parametrize("line", LINES)
async def test_extreme_input_is_answered(line):
    failures = Failures()
    logging.getLogger().addHandler(failures)
    try:
        async with Building(make_config(CONFIG, admins=[9001])) as b:
            b.opened_bot(b.captain)
            await b.dm(b.captain, line)
            msgs = [r.getMessage() for r in failures.records]
            assert not msgs, msgs
    finally:
        logging.getLogger().removeHandler(failures)


@pytest.mark.parametrize(
    "line", ["/deliberations follow 99999999999999999999 hi", "/duty cancel 99999999999999999999"]
)
async def test_a_plain_resident_crashes_nothing_with_a_huge_id(line):
    failures = Failures()
    logging.getLogger().addHandler(failures)
    try:
        async with Building(make_config(CONFIG)) as b:
            b.opened_bot(b.alice)
            await b.say(b.alice, "hello")
            await b.dm(b.alice, line)
            msgs = [r.getMessage() for r in failures.records]
            assert not msgs, msgs
    finally:
        logging.getLogger().removeHandler(failures)
