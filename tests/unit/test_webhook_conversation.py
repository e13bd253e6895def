"""Which chat's order a webhook update belongs to (the inbox keeps each chat's order)."""

from __future__ import annotations

import pytest

from bot.intake.webhook_server import conversation_of

pytestmark = pytest.mark.no_storage  # JSON in, a chat id out


def test_messages_edits_and_member_changes_belong_to_their_chat():
    assert conversation_of({"update_id": 1, "message": {"chat": {"id": -1003}}}) == -1003
    assert conversation_of({"update_id": 2, "edited_message": {"chat": {"id": -1003}}}) == -1003
    assert conversation_of({"update_id": 3, "my_chat_member": {"chat": {"id": -1005}}}) == -1005


def test_a_button_press_belongs_to_the_chat_of_its_message_or_else_its_presser():
    under_a_group_post = {
        "update_id": 4,
        "callback_query": {"from": {"id": 1001}, "message": {"chat": {"id": -1003}}},
    }
    assert conversation_of(under_a_group_post) == -1003
    inline = {"update_id": 5, "callback_query": {"from": {"id": 1002}}}
    assert conversation_of(inline) == 1002


def test_updates_without_a_chat_and_odd_shapes_have_none():
    assert conversation_of({"update_id": 6, "poll": {"id": "x"}}) is None
    assert conversation_of({"update_id": 7, "message": {"chat": {"id": "-1003"}}}) is None
    assert conversation_of({"update_id": 8, "message": "not an object"}) is None
    assert conversation_of({"update_id": 9, "callback_query": {"from": {"id": True}}}) is None
