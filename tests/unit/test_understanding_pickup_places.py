"""Pickup directions name a place, not a thing offered."""

from __future__ import annotations

import pytest

from bot.core.understanding import Catalogue, understand

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary

CATALOGUE = Catalogue.load()


@pytest.mark.parametrize(
    "text",
    [
        "放在门口鞋柜上，自己来取",
        "我家有，放在11楼窗台上，自己来取",
        "已经搁在电梯旁边的柜子里了，直接拿",
        "Left it on the shoe rack by my door, help yourself",
    ],
)
def test_pickup_directions_offer_no_item(text):
    assert understand(text, CATALOGUE).items == ()


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("我有个鞋柜不要了，谁要", "furniture"), ("在家里找到一盒布洛芬，谁需要", "ibuprofen")],
)
def test_the_same_words_as_the_thing_itself_are_still_items(text, canonical):
    assert [i.canonical for i in understand(text, CATALOGUE).items] == [canonical]
