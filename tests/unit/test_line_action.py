"""What a group line calls for, decided once in the core: the same answer feeds the recorded
path (`on_group_message`) and the chatter fast path (`only_remembers`, no transaction)."""

from __future__ import annotations

import pytest

from bot.core.clock import ManualClock
from bot.core.sharing.model import GroupMessage
from bot.core.sharing.recording import LineAction
from bot.core.sharing.service import SharingService
from bot.core.understanding import Catalogue
from tests.harness import T0, make_config

pytestmark = pytest.mark.no_storage


def sharing(*, files_repairs: bool = True) -> SharingService:
    config = make_config()
    catalogue = Catalogue.load(config.catalogue.items)
    return SharingService(config, catalogue, ManualClock(T0), files_repairs=files_repairs)


def line(text: str, chat_id: int = -1003) -> GroupMessage:
    return GroupMessage(chat_id=chat_id, message_id=1, text=text)


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("I have 2 spare boxes of ibuprofen, anyone who needs it let me know", LineAction.RECORD),
        ("谁家有小儿退烧药？", LineAction.RECORD),
        ("good morning neighbours, lovely weather today", LineAction.REMEMBER),
        ("楼道灯坏了，好几天了", LineAction.FILE_REPAIR),
    ],
)
def test_a_configured_groups_lines(text, action):
    svc = sharing()
    msg = line(text)
    decided = svc.line_action(msg, svc.read(msg))
    assert decided is action
    assert svc.only_remembers(msg, svc.read(msg)) is (action is LineAction.REMEMBER)


def test_a_group_the_config_does_not_know_is_ignored_whatever_is_said():
    svc = sharing()
    msg = line("I have a spare ladder to lend", chat_id=-4242)
    assert svc.line_action(msg, svc.read(msg)) is LineAction.IGNORE
    assert svc.only_remembers(msg, svc.read(msg))


def test_without_a_report_desk_a_repair_complaint_is_chatter():
    # An import or a benchmark replaying history files no reports for the captains.
    svc = sharing(files_repairs=False)
    msg = line("楼道灯坏了，好几天了")
    assert svc.line_action(msg, svc.read(msg)) is LineAction.REMEMBER
