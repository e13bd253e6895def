"""Admins run Jinlin through the config file: check-config, /reload and SIGHUP (a broken file
keeps the running config), unknown groups, and groups upgraded to supergroups."""

from __future__ import annotations

from pathlib import Path

from bot.app.cli import main as jinlin
from handlers.admin import reload_on_signal
from tests import backends
from tests.captains_town import ADMIN_ID, Town
from tests.harness import BUILDING_CONFIG

GOOD = BUILDING_CONFIG.replace("expiry_days = 7\n", f"expiry_days = 7\nadmins = [{ADMIN_ID}]\n")
THIRD_BUILDING = """
[[buildings]]
key = "b7"
name = "Building 7"
community = "sunny"
captains = [9007]
"""
BROKEN = (
    GOOD
    + """
[[buildings]]
key = "b9"
name = "Building 9"
community = "nowhere"

[[groups]]
chat_id = 42
building = "b9"
"""
)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "jinlin.toml"
    path.write_text(text, "utf-8")
    return str(path)


async def test_reload_swaps_a_valid_config_and_keeps_the_old_one_on_errors(tmp_path):
    async with Town() as b:
        path = write(tmp_path, GOOD + THIRD_BUILDING)
        b.services.config_path = path
        await b.dm(b.ada, "/reload")
        answer = b.last_private(b.ada).content
        assert "Config reloaded" in answer and "buildings: 2 → 3" in answer
        assert b.services.config.building("b7") is not None
        assert b.services.sharing.config is b.services.config

        write(tmp_path, BROKEN)
        await b.dm(b.ada, "/reload")
        refusal = b.last_private(b.ada).content
        assert "running config stays" in refusal
        assert "buildings[2].community: unknown community 'nowhere'" in refusal
        assert "groups[2].chat_id" in refusal
        assert b.services.config.building("b7") is not None  # still the last good one
        assert b.services.config.building("b9") is None

        # The bot keeps working on the old config.
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "/offer ladder")
        await b.say(b.bob, "/need ladder")
        assert [m.status for m in await b.matches()] == ["asked"]


async def test_reload_is_for_admins_in_private_only(tmp_path):
    async with Town() as b:
        b.services.config_path = write(tmp_path, GOOD + THIRD_BUILDING)
        await b.dm(b.captain, "/reload")
        assert "Only an admin" in b.last_private(b.captain).content
        b.g3.statuses[b.ada.id] = "member"
        await b.say(b.ada, "/reload")
        assert "private chat" in b.group_posts()[-1].content
        assert b.services.config.building("b7") is None


async def test_sighup_reloads_and_tells_the_admins(tmp_path):
    async with Town() as b:
        b.services.config_path = write(tmp_path, GOOD + THIRD_BUILDING)
        outcome = await reload_on_signal(b.app)  # what the SIGHUP handler runs
        assert outcome.ok and b.services.config.building("b7") is not None
        assert "buildings: 2 → 3" in b.last_private(b.ada).content

        write(tmp_path, "this is [not toml")
        outcome = await reload_on_signal(b.app)
        assert not outcome.ok and "not valid TOML" in b.last_private(b.ada).content
        assert b.services.config.building("b7") is not None


async def test_check_config_reports_every_problem_with_its_key_path(tmp_path, capsys):
    path = write(tmp_path, BROKEN.replace("captains = [9002]", 'captains = ["@wang_b5"]'))
    assert jinlin(["check-config", path]) == 1
    err = capsys.readouterr().err
    assert "buildings[2].community" in err and "groups[2].chat_id" in err
    path = write(tmp_path, GOOD.replace("captains = [9002]", 'captains = ["@wang_b5"]'))
    assert jinlin(["check-config", path]) == 0
    out = capsys.readouterr().out
    assert "buildings[1].captains[0]" in out and "username" in out


async def test_a_group_not_in_the_config_gets_one_polite_line_and_the_admins_are_told():
    async with Town() as b:
        lobby = b.world.add_group(-1009, "Lobby chat", members=[b.carol], bot_status="left")
        b.world.add_bot_to_group(lobby, by=b.carol)  # Carol never opened the bot
        await b.pump()
        told = b.last_private(b.ada).content
        assert "Lobby chat" in told and "-1009" in told and "Carol" in told
        [line] = [m for m in b.group_posts(lobby) if m.content]
        assert "isn't set up" in line.content
        # Chatter there is ignored; adding the bot again does not repeat anything.
        await b.say(b.carol, "I have a spare ladder to lend", chat=lobby)
        assert await b.ledger() == []
        b.world.remove_bot_from_group(lobby, by=b.carol)
        b.world.add_bot_to_group(lobby, by=b.carol)
        await b.pump()
        assert len([m for m in b.private(b.ada) if "Lobby chat" in m.content]) == 1


async def test_whoever_added_the_bot_is_told_privately_when_possible():
    async with Town() as b:
        b.opened_bot(b.alice)
        lobby = b.world.add_group(-1010, "Garden club", members=[b.alice], bot_status="left")
        b.world.add_bot_to_group(lobby, by=b.alice)
        await b.pump()
        assert "isn't set up" in b.last_private(b.alice).content
        assert [m for m in b.group_posts(lobby) if m.content] == []


async def test_a_group_upgraded_to_a_supergroup_keeps_its_ledger():
    async with Town() as b:
        b.opened_bot(b.alice, b.bob)
        await b.say(b.alice, "/offer ladder")
        new_id = b.world.migrate_to_supergroup(b.g3)
        await b.pump()
        [entry] = await b.ledger()
        assert entry.chat_id == new_id
        assert b.services.config.group(new_id) is not None  # served under the new id
        told = b.last_private(b.ada).content
        assert str(new_id) in told and "-1003" in told
        assert len([m for m in b.private(b.ada) if "supergroup" in m.content]) == 1

        supergroup = b.world.chat(new_id)
        await b.say(b.bob, "/need ladder", chat=supergroup)
        assert [m.status for m in await b.matches()] == ["asked"]
        await b.say(b.captain, "/ledger", chat=supergroup)
        assert "ladder" in b.last_private(b.captain).content


async def test_the_migration_survives_a_restart_with_the_old_id_in_the_file(tmp_path):
    database = backends.database_for(tmp_path / "jinlin.sqlite3")
    async with Town(database=database) as b:
        await b.say(b.alice, "/offer ladder")
        new_id = b.world.migrate_to_supergroup(b.g3)
        await b.pump()
    async with Town(database=database) as again:
        assert again.services.config.group(new_id) is not None
        assert again.services.config.group(-1003) is None
