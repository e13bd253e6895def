"""Amounts: Chinese numerals and measure words, English counts, ranges and rough numbers."""

import pytest

from bot.core.understanding import Catalogue, Quantity, understand

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("我这有两盒退烧药，谁要", Quantity(2, "盒")),
        ("有人需要一次性纸杯吗，派对剩了五十个", Quantity(50, "个")),
        ("我家有十二个土鸡蛋吃不完，来拿", Quantity(12, "个")),
        ("我這有兩瓶酒精，需要嘅話出聲", Quantity(2, "瓶")),
        ("我这有1盒思密达，需要的说", Quantity(1, "盒")),
        ("求助，需要 3 包口服补液盐", Quantity(3, "包")),
        ("我家有两台电风扇，用不上，送一台", Quantity(1, "台")),
        ("我家有三个儿童安全座椅，孩子大了，要的联系", Quantity(3, "个")),
        ("I've got 3 cans of formula (Similac), free", Quantity(3, "can")),
        ("Anyone have 2x AA batteries?", Quantity(2, None)),
        ("need 1 box of tissues, sick kid", Quantity(1, "box")),
        ("Need 2 folding chairs for Saturday, will return Sunday", Quantity(2, "chair")),
        ("Who wants banana bread? Made 3 loaves", Quantity(3, "loaves")),
        # "a/an/一" before a measure word is one of it (corpus/WRITING.md)
        ("Anyone want a bottle of soy sauce? bought two by mistake", Quantity(1, "bottle")),
        ("谁家需要退烧贴，我这有一盒没拆", Quantity(1, "盒")),
        # halves, a couple, a dozen and one number said roughly are amounts too
        ("我有半瓶止咳糖浆，谁要", Quantity(0.5, "瓶")),
        ("还剩两袋半猫砂，谁家要", Quantity(2.5, "袋")),
        ("家里有一打鸡蛋吃不完，谁要", Quantity(12, "打")),
        ("搬家要用纸箱 大概十个", Quantity(10, "个")),
        ("Free: a couple bags of kids clothes", Quantity(2, "bag")),
        ("Could use a couple of eggs if anyone has some", Quantity(2, "egg")),
        ("Anyone want a dozen eggs? hens are laying too fast", Quantity(12, "egg")),
        ("I have about 20 moving boxes, free", Quantity(20, "box")),
        # a range or a round number with more is its lower bound: what is surely there
        ("我还有二十来个口罩，谁要", Quantity(20, "个")),
        ("谁能匀我三四片布洛芬", Quantity(3, "片")),
        ("抗原我这还剩七八个，要的说", Quantity(7, "个")),
        ("暖宝宝还有三十多片，谁家老人怕冷来拿", Quantity(30, "片")),
        ("谁家有纸箱 要十来个 搬家用", Quantity(10, "个")),
        ("need 2-3 boxes of tissues, whole family has colds", Quantity(2, "box")),
        ("需要2-3盒口罩", Quantity(2, "盒")),
        ("五到六盒口罩送人", Quantity(5, "盒")),
        ("七八十个纸箱 谁要", Quantity(70, "个")),
        ("Got 5 or 6 spare AA batteries if anyone needs them", Quantity(5, None)),
        ("Leftover moving boxes, about 15, in the bike room, free", Quantity(15, None)),
        ("Anyone need paper plates? I have like 30 left from the party", Quantity(30, None)),
        ("have 10+ paper bags from groceries, anyone want them?", Quantity(10, None)),
        ("spare jam jars, maybe 12 of them, in the lobby", Quantity(12, None)),
        ("our lemon tree gave us 40 or more, help yourselves", Quantity(40, None)),
        ("Anyone want coat hangers? have about 25 from the dry cleaner", Quantity(25, None)),
        # 俩 alone, formal numerals, an English number before a Chinese measure word
        ("谁有多的口罩，给我俩就行", Quantity(2, None)),
        ("本人有壹部舊風扇，有需要嘅街坊出聲", Quantity(1, "部")),
        ("有没有人有 spare 的 AA 电池，three 个就够", Quantity(3, "个")),
        # part of a stock is what is given
        ("我家有两根跳绳，借你一根", Quantity(1, "根")),
    ],
)
def test_quantities(catalogue: Catalogue, text: str, quantity: Quantity) -> None:
    assert understand(text, catalogue).quantity == quantity


@pytest.mark.parametrize(
    "text",
    [
        "我家有个五米的伸缩梯可以借",  # a length
        "谁家有婴儿车，就借一个上午",  # a duration
        "我家娃四个多月了，谁家有婴儿床借我",  # an age, not four of something
        "we have baby formula stage 1 you can have it, unopened",  # "can" the verb
        "meeting 2-3pm tomorrow, who has spare chairs?",  # a time, not a range of chairs
        # sizes, times, durations, ages, kinds, doses and prices are no amounts
        "anyone have kids shoes size 6-7?",
        "谁有尺码36-38的鞋",
        "need a ladder from 3-4 today",
        "I'll be home around 8.",
        "we'll be back maybe 9, anyone have a spare key tray?",
        "need a drill for 2-3 wks",
        "借我俩天梯子",
        "toys for ages 3+, free",
        "2-3 seater sofa free to good home",
        "have paracetamol, take 1-2 tablets every 6 hours, free",
        "有布洛芬送人，一次吃一两片",
        "originally ¥20-30 each, free now",
        "剩大半瓶止咳糖浆，谁要",  # not a clear number
        "谁家有多的N95能给我几个",  # 几个
        "Anyone have size 4 diapers?",  # a size
        "Could anyone share a few Benadryl?",
        "I have a ladder you can borrow this weekend",  # "a" before a plain noun: no amount
        "楼下谁家有个梯子借我用一下",  # 有个 without a numeral
        "Selling nothing, just giving away stuff from 3B",
        "我有感冒灵3包、布洛芬4粒、维C一瓶，需要的来拿",  # each item has its own amount
    ],
)
def test_no_quantity(catalogue: Catalogue, text: str) -> None:
    assert understand(text, catalogue).quantity is None
