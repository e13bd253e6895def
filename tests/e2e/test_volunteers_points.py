"""Teams joined privately; points seen privately, ranked for captains, exported as CSV for the
community office, shown in a group only for residents who agreed; /forgetme forgets it all."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.harness import BUILDING_CONFIG, Building, make_config

SHANGHAI = ZoneInfo("Asia/Shanghai")
VOLUNTEERS = """
[volunteers]
points = { per_half_hour = 1, per_shift = 1 }
teams = [{ name = "垃圾分类监督", community = "sunny" }]
"""


def config():
    return make_config(BUILDING_CONFIG + VOLUNTEERS)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def duty_post(b: Building):
    posts = [m for m in b.group_posts() if any(d.startswith("vt:s:") for d in m.button_data())]
    return posts[-1]


def toast(b: Building) -> str | None:
    answers = [s for s in b.world.outbox if s.kind == "answer_callback"]
    return answers[-1].text if answers else None


async def served(b: Building, *volunteers, came=None) -> None:
    """A Saturday shift 9:00-11:00 the volunteers sign up for and the captain confirms."""
    await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 4 people")
    for user in volunteers:
        await b.press(user, duty_post(b), "vt:s:")
    await b.later(local(5, 11) - b.clock.now())
    sheet = b.last_private(b.captain)
    for user in volunteers:
        answer = "vt:y:" if came is None or user in came else "vt:n:"
        await b.press(b.captain, sheet, answer)


async def test_a_resident_joins_a_team_privately_and_the_group_hears_only_the_names_of_teams():
    async with Building(config()) as b:
        b.opened_bot(b.alice, b.dave)
        await b.say(b.captain, "/team add 安全巡查")
        assert b.group_posts()[-1].content.startswith(
            '✅ Volunteer team "安全巡查" started for Building 3'
        )
        await b.say(b.alice, "/teams")
        assert b.group_posts()[-1].content.startswith(
            "🙋 Volunteer teams here: 安全巡查, 垃圾分类监督"
        )
        await b.say(b.alice, "/team add 冒名队")
        assert b.group_posts()[-1].content.startswith("Only a floor captain can use this command")
        await b.dm(b.alice, "/teams")
        listing = b.last_private(b.alice)
        assert listing.content == (
            "🙋 Volunteer teams (tap to join or leave)\n· 安全巡查 (Building 3, team of 0)\n"
            "· 垃圾分类监督 (Sunny Garden, team of 0)"
        )
        await b.press(b.alice, listing, "vt:j:")
        assert toast(b) == "✅ Joined"
        assert listing.content.splitlines()[1] == "· 安全巡查 (Building 3, team of 1) ✅ you are in"
        assert listing.buttons()[0][0]["text"] == 'Leave "安全巡查"'
        # Dave (building 5) sees the community's team, not building 3's own.
        await b.say(b.dave, "大家好", chat=b.g5)
        await b.dm(b.dave, "/teams")
        assert "安全巡查" not in b.last_private(b.dave).content
        assert "垃圾分类监督" in b.last_private(b.dave).content


async def test_points_are_private_captains_see_the_ranking_and_export_a_month_as_csv():
    async with Building(config()) as b:
        b.opened_bot(b.alice, b.bob, b.captain)
        await served(b, b.alice, b.bob, came=[b.alice])
        await b.say(b.alice, "/points")
        assert (
            b.group_posts()[-1].content
            == "Points are shown privately only: send me /points in a private chat"
        )
        await b.dm(b.captain, "/points")
        ranking = b.last_private(b.captain).content
        assert ranking == "📊 Points ranking 2026 (Building 3):\n1. Alice 5 pts (1 shifts)"
        await b.dm(b.captain, "/points export 2026-12")
        sheet = b.last_private(b.captain)
        assert sheet.document["file_name"] == "jinlin-points-2026-12.csv"
        assert sheet.caption == "Service points of Building 3, 2026-12 (1 records)"
        content = b.world.files[sheet.document["file_id"]].content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(content)))
        assert rows[0] == [
            "date",
            "building",
            "volunteer",
            "user_id",
            "source",
            "what",
            "minutes",
            "points",
        ]
        assert rows[1] == [
            "2026-12-05",
            "b3",
            "Alice",
            "1001",
            "duty",
            "stairwell cleaning",
            "120",
            "5",
        ]
        await b.dm(b.captain, "/points export 2026-13")
        assert b.last_private(b.captain).content.startswith("Usage: /points export 2026-11")
        # A resident cannot export, and a captain of building 5 exports nothing of building 3.
        await b.dm(b.alice, "/points export 2026")
        assert b.last_private(b.alice).content.startswith(
            "Only a floor captain can use this command"
        )


async def test_the_group_board_names_only_residents_who_agreed():
    async with Building(config()) as b:
        b.opened_bot(b.alice, b.bob, b.captain)
        await served(b, b.alice, b.bob)
        await b.say(b.captain, "/points post")
        board = b.group_posts()[-1].content
        assert board == (
            "🌟 Volunteer points 2026-12 (only neighbours who agreed are named):\n"
            "2 more neighbour(s) volunteered too. Thank you all!"
        )
        await b.dm(b.alice, "/points public on")
        assert b.last_private(b.alice).content.startswith("You agreed to be named")
        await b.say(b.captain, "/points post")
        board = b.group_posts()[-1].content
        assert "Alice 5 pts (1 shifts)" in board and "Bob" not in board
        await b.say(b.alice, "/points post")
        assert b.group_posts()[-1].content.startswith("Only a floor captain can use this command")


async def test_forgetme_frees_the_place_for_the_waitlist_and_deletes_the_points():
    async with Building(config()) as b:
        b.opened_bot(b.alice, b.bob, b.carol, b.captain)
        await served(b, b.alice)
        await b.say(b.captain, "/duty Sun 9:00-10:00 leaflets 1 person")
        await b.press(b.alice, duty_post(b), "vt:s:")
        await b.press(b.carol, duty_post(b), "vt:s:")
        await b.dm(b.alice, "/forgetme")
        await b.press(b.alice, b.last_private(b.alice), "fm:y")
        assert b.last_private(b.carol).content.startswith(
            "🙋 A place freed up and it's yours: duty #2"
        )
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert await tx.points_rows(user_id=1001) == []
            assert [s.first_name for s in await tx.signups(2)] == ["Carol"]
            assert await tx.teams_of_member(1001) == set()
        await b.dm(b.captain, "/points")
        assert b.last_private(b.captain).content == "No points recorded in 2026 yet."


async def test_privacy_says_what_is_kept_and_points_go_after_the_retention_period():
    async with Building(config()) as b:
        b.opened_bot(b.alice, b.captain)
        await b.dm(b.alice, "/privacy")
        assert "your service points" in b.last_private(b.alice).content
        assert "points are kept 400 days" in b.last_private(b.alice).content
        await served(b, b.alice)
        await b.later(timedelta(days=399))
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert len(await tx.points_rows(user_id=1001)) == 1
            # The finished duty went after bot.retention_days (180); its points stay for the
            # year's count until volunteers.retention_days.
            assert await tx.duty(1) is None
        await b.later(timedelta(days=2))
        async with b.app.bot_data.require().repo.transaction() as tx:
            assert await tx.points_rows(user_id=1001) == []


async def test_a_completed_hand_over_earns_the_giver_points_when_the_admin_says_so():
    handovers = make_config(
        BUILDING_CONFIG + VOLUNTEERS.replace("per_shift = 1", "per_handover = 2")
    )
    for cfg, expected in ((config(), 0), (handovers, 2)):
        async with Building(cfg) as b:
            b.opened_bot(b.alice, b.bob)
            await b.say(b.alice, "I have a spare ladder to lend")
            await b.say(b.bob, "anyone have a ladder I can borrow?")
            await b.press(b.alice, b.last_private(b.alice), "y:")
            done = next(m for m in reversed(b.private(b.alice)) if "h:" in str(m.button_data()))
            await b.press(b.alice, done, "h:")
            assert [m.status for m in await b.matches()] == ["handed_over"]
            await b.later(timedelta(minutes=1))
            await b.later(timedelta(minutes=1))  # awarded once, not at every tick
            await b.dm(b.alice, "/points")
            assert b.last_private(b.alice).content.startswith(
                f"🌟 Your service points: {expected} ({int(expected > 0)} records)"
            )
            if expected:
                assert '· 2026-12-01 shared "ladder" +2' in b.last_private(b.alice).content
            await b.dm(b.bob, "/points")
            assert b.last_private(b.bob).content.startswith("🌟 Your service points: 0")
