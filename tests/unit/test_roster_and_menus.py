"""Pure rules of issue 16: reading /captain's arguments, merging the captains added from
Telegram into the served config, and menus that Telegram will accept."""

from __future__ import annotations

import re

import pytest

from bot.app.reload import apply_chat_aliases, apply_username_bindings
from bot.core.captain_roster import RosterAction, RosterError, read_request
from bot.core.i18n import text
from bot.core.menus import person_commands, plan_menus, plan_profile
from tests.harness import make_config

pytestmark = pytest.mark.no_storage
BUILDINGS = {"b3", "b5"}


@pytest.mark.parametrize(
    ("args", "action", "building", "username", "user_id"),
    [
        (["add", "b3"], RosterAction.ADD, "b3", None, None),
        (["ADD", "b3", "@Bob_B3"], RosterAction.ADD, "b3", "bob_b3", None),
        (["remove", "b5", "1002"], RosterAction.REMOVE, "b5", None, 1002),
        (["add", "1002"], RosterAction.ADD, None, None, 1002),  # the group's building
        (["add"], RosterAction.ADD, None, None, None),
        (["add", "b9"], RosterAction.ADD, "b9", None, None),  # unknown: said so later
    ],
)
def test_captain_arguments_are_read(args, action, building, username, user_id):
    request = read_request(args, BUILDINGS)
    assert (request.action, request.building) == (action, building)
    assert (request.username, request.user_id) == (username, user_id)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["promote", "b3"],
        ["add", "b3", "1002", "1003"],
        ["add", "b3", "bob"],
        ["add", "b3", "0"],
    ],
)
def test_bad_captain_arguments_get_the_usage_line(args):
    with pytest.raises(RosterError) as raised:
        read_request(args, BUILDINGS)
    assert raised.value.key == "roster_usage"


def test_added_captains_are_merged_replaced_and_kept_through_other_rewrites():
    config = make_config()
    merged = config.with_added_captains({"b3": [1002, 9001], "b9": [7]})
    assert merged.captains_of("b3") == [9001, 1002]  # 9001 stays the file's captain
    assert merged.added_captain("b3", 1002) and not merged.added_captain("b3", 9001)
    assert merged.with_added_captains({"b3": [1002]}) is merged  # nothing new: same object
    # Other rewrites of the served config keep what was added from Telegram.
    upgraded = apply_chat_aliases(merged, {-1003: -100_1003})
    assert upgraded.group(-100_1003) is not None and upgraded.captains_of("b3") == [9001, 1002]
    bound = apply_username_bindings(upgraded, {"nobody": 5})
    assert bound.added_captain("b3", 1002)
    removed = upgraded.with_added_captains({})
    assert removed.captains_of("b3") == [9001] and not removed.is_captain(1002, None)


_NAME = re.compile(r"[a-z0-9_]{1,32}")


def test_every_menu_and_description_is_one_telegram_accepts():
    config = make_config(admins=[9100]).with_added_captains({"b5": [1004]})
    menus = plan_menus(config)
    assert {m.person for m in menus if m.person} == {9001, 9002, 9100, 1004}
    for menu in menus:
        assert 1 <= len(menu.commands) <= 100
        assert len({name for name, _ in menu.commands}) == len(menu.commands)
        for name, description in menu.commands:
            assert _NAME.fullmatch(name)
            assert 1 <= len(description.strip()) <= 256
    for profile in plan_profile(config):
        limit = 512 if profile.kind == "description" else 120
        assert 0 < len(profile.text) <= limit
    for lang in ("zh", "en"):  # the same limits hold in both languages
        assert len(text(lang, "bot_description")) <= 512
        assert len(text(lang, "bot_short_description")) <= 120


def test_captains_and_admins_get_their_tools_and_residents_nothing_of_their_own():
    config = make_config(admins=[9001])  # Cathy is captain and admin
    both = person_commands(config, 9001)
    assert {"ledger", "announce", "captain", "reload"} <= set(both)
    assert len(both) == len(set(both))  # /captains once, though both lists name it
    assert person_commands(config, 1002) == ()
