"""Long messages arrive whole, in parts Telegram accepts; item names have a sensible length.

Telegram takes 4,096 characters per message. A /mine or digest longer than that used to be
cut in the middle of its HTML and refused (400), so the resident saw nothing, or cut short,
hiding entries. Names are now capped when an entry is recorded, but ledgers from before the
cap (and zh+en texts) still make long messages.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.effects import EditMessage, SendMessage
from bot.core.message_parts import fit, plain_text, split_html, units
from bot.core.sharing import recording as sharing
from tests.harness import Building, make_config


def long_name(n: int) -> str:
    return f"{chr(ord('a') + n)}{'z' * 250}"


async def record_long_offers(b: Building, count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offers written before names were capped."""
    with monkeypatch.context() as m:
        m.setattr(sharing, "ITEM_NAME_LIMIT", 10_000)
        for n in range(count):
            await b.say(b.alice, f"I have a spare {long_name(n)} to lend")
    assert len(await b.ledger()) == count


async def test_mine_longer_than_one_message_arrives_whole(monkeypatch):
    async with Building() as b:
        b.opened_bot(b.alice, b.bob)
        await record_long_offers(b, 20, monkeypatch)
        before = len(b.private(b.alice))
        await b.dm(b.alice, "/mine")

        parts = b.private(b.alice)[before:]
        assert len(parts) > 1 and all(units(p.content) <= 4096 for p in parts)
        listing = "\n".join(p.content for p in parts)
        assert all(long_name(n) in listing for n in range(20))  # no entry hidden
        # The buttons come with the last part, one row per entry.
        assert [len(p.button_data()) for p in parts[:-1]] == [0] * (len(parts) - 1)
        assert sum(d.startswith("w:") for d in parts[-1].button_data()) == 20

        # And what comes after still arrives.
        monkeypatch.setattr(sharing, "ITEM_NAME_LIMIT", 10_000)
        await b.say(b.bob, f"can anyone lend me a {long_name(3)}?")
        assert "Bob" in b.last_private(b.alice).content


async def test_a_digest_longer_than_one_message_is_posted_whole(monkeypatch):
    async with Building(make_config(digest="daily 20:00")) as b:
        b.opened_bot(b.alice)
        await record_long_offers(b, 20, monkeypatch)
        posted = len(b.group_posts())
        await b.later(timedelta(hours=10))  # 20:00 in Shanghai

        parts = b.group_posts()[posted:]
        assert len(parts) > 1 and parts[0].content.startswith("📋")
        assert all(units(p.content) <= 4096 for p in parts)
        digest = "\n".join(p.content for p in parts)
        assert all(long_name(n) in digest for n in range(20))


async def test_an_item_name_past_the_cap_is_not_recorded_and_the_resident_hears_why():
    async with Building() as b:
        b.opened_bot(b.alice)
        await b.say(b.alice, f"I have a spare {'z' * 300} to lend")

        assert await b.ledger() == []
        assert "too long" in b.private(b.alice)[0].content
        await b.say(b.alice, "/offer " + "y" * 65)
        assert await b.ledger() == []
        await b.say(b.alice, "/offer " + "y" * 64)
        assert [e.item_name for e in await b.ledger()] == ["y" * 64]


# --- the splitting itself -------------------------------------------------------------------


def test_long_html_is_split_between_lines_with_every_tag_closed():
    lines = [f"<b>#{n}</b> {'梯' * 90} · <i>available</i>" for n in range(120)]
    parts = split_html("\n".join(lines))
    assert len(parts) > 1 and all(units(p) <= 4096 for p in parts)
    assert "\n".join(parts) == "\n".join(lines)  # cut only between lines
    assert all(p.count("<b>") == p.count("</b>") for p in parts)


def test_a_single_line_longer_than_a_message_goes_as_escaped_plain_text():
    line = "<b>" + "a&amp;b " * 1000 + "</b>"
    parts = split_html(line)
    assert all(units(p) <= 4096 and "<b>" not in p for p in parts)
    assert "".join(plain_text(p) for p in parts) == plain_text(line)


def test_emoji_count_twice_as_telegram_counts_them():
    parts = split_html("\n".join(["😀" * 100] * 30))
    assert all(units(p) <= 4096 for p in parts) and len(parts) == 2


def test_a_long_caption_keeps_the_photo_and_the_rest_follows():
    effect = SendMessage(1, "\n".join(["stroller " * 20] * 10), photo="file-1", reply_to=5)
    head, *rest = fit(effect)
    assert isinstance(head, SendMessage) and head.photo == "file-1" and head.reply_to == 5
    assert units(head.text) <= 1024 and rest and all(isinstance(p, SendMessage) for p in rest)
    assert all(p.photo is None for p in rest if isinstance(p, SendMessage))


def test_a_long_edit_is_cut_between_lines_and_says_so():
    [edit] = fit(EditMessage(1, 2, text="\n".join(["<b>x</b> " * 50] * 30)))
    assert isinstance(edit, EditMessage) and edit.text is not None
    assert units(edit.text) <= 4096 and edit.text.endswith("…")
    assert edit.text.count("<b>") == edit.text.count("</b>")
