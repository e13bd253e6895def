"""Which things a message names: catalogue names in any script, and free-text fallbacks."""

import pytest

from bot.core.understanding import Catalogue, understand

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


def keys(catalogue: Catalogue, text: str) -> list[str]:
    return [item.canonical for item in understand(text, catalogue).items]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # simplified, traditional, Cantonese and Taiwanese wording
        ("谁家有血压计借我量一下", ["bp_monitor"]),
        ("誰家有血壓計借我量一下", ["bp_monitor"]),
        ("請問有鄰居有多的普拿疼嗎？", ["acetaminophen"]),
        ("有冇人有探熱針借嚟用吓", ["thermometer"]),
        # English plurals, capitals, brands
        ("Anyone have N95s? Need two for a flight", ["n95_mask"]),
        ("Does anyone have CHILDREN'S TYLENOL", ["acetaminophen_children"]),
        ("Giving away two Graco car seats", ["car_seat"]),
        # mixed Chinese-English, full-width, emoji
        ("有人有 power bank 吗😭手机没电了", ["power_bank"]),
        ("ＦＲＥＥ　ＳＴＲＯＬＬＥＲ！！！ｐｉｃｋｕｐ ｔｏｄａｙ", ["stroller"]),
        ("🙏🙏谁家有酒精棉片🙏🙏", ["alcohol_pads"]),
        # two items, in order, and a category dropped for its member
        ("我有蒙脱石散和口服补液盐，需要的来拿", ["smecta", "oral_rehydration"]),
        ("退烧药我这有，对乙酰氨基酚一整板，需要的找我", ["acetaminophen"]),
        # typos
        ("anyone have ibuprofin? bad cramps", ["ibuprofen"]),
        ("我有一盒ibuprofin，有需要的拿走", ["ibuprofen"]),
        ("家里有莲花清温，要的来拿", ["lianhua_qingwen"]),
    ],
)
def test_items_named(catalogue: Catalogue, text: str, expected: list[str]) -> None:
    assert keys(catalogue, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("求个打气筒，足球没气了", ["air_pump"]),
        ("我家电钻坏了，谁家有借我用下", ["drill"]),
        ("anyone have a phone charger? my power bank died", ["charger"]),
    ],
)
def test_the_broken_thing_is_the_reason_not_the_request(
    catalogue: Catalogue, text: str, expected: list[str]
) -> None:
    assert keys(catalogue, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("求借一个梯子，换灯泡用", ["ladder"]),
        ("谁家有电钻借我一下 挂画框用", ["drill"]),
        ("Could someone lend me a ladder to change a light bulb?", ["ladder"]),
        # both asked for: no purpose said
        ("需要灯泡和梯子，谁家有", ["light_bulb", "ladder"]),
        ("Looking for a ladder and a drill this weekend", ["ladder", "drill"]),
    ],
)
def test_what_a_thing_is_for_is_not_a_second_request(
    catalogue: Catalogue, text: str, expected: list[str]
) -> None:
    assert keys(catalogue, text) == expected


@pytest.mark.parametrize(
    ("text", "names", "amount"),
    [
        ("could someone spare 3 lemons for a cheesecake?", ["lemons"], 3),
        ("anyone got a phone charger for an old samsung", ["phone charger"], None),
        ("need a few candles for my daughter's birthday cake", ["candles"], None),
    ],
)
def test_what_follows_for_after_an_item_is_its_purpose_and_carries_no_amount(
    catalogue: Catalogue, text: str, names: list[str], amount: int | None
) -> None:
    parsed = understand(text, catalogue)
    assert [i.name for i in parsed.items] == names
    assert (parsed.quantity.n if parsed.quantity else None) == amount


def test_names_keep_the_residents_own_wording(catalogue: Catalogue) -> None:
    parsed = understand("誰家有輪椅可以借一下", catalogue)
    assert [(i.name, i.canonical) for i in parsed.items] == [("輪椅", "wheelchair")]


@pytest.mark.parametrize(
    "text",
    [
        "电梯又坏了",  # 梯 is not a ladder here
        "楼下新开了一家药店",  # nor 药 a medicine
        "明天大家记得加油",
        "I saw a fox in the courtyard",
    ],
)
def test_words_that_only_contain_an_item_name(catalogue: Catalogue, text: str) -> None:
    assert keys(catalogue, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("谁家有筋膜刀借我用一下", "筋膜刀"),
        ("求一个蒸蛋器，家里的坏了", "蒸蛋器"),
        ("Can I borrow a melon baller for tonight?", "melon baller"),
        ("Anyone have a snorkel set?", "snorkel set"),
    ],
)
def test_unknown_things_get_a_name_from_the_text(
    catalogue: Catalogue, text: str, name: str
) -> None:
    parsed = understand(text, catalogue)
    assert parsed.intent == "request"
    (item,) = parsed.items
    assert not item.known
    assert item.name == name
    assert item.category is None


def test_medicine_safety_flags_reach_the_parse(catalogue: Catalogue) -> None:
    antibiotic = understand("谁家有阿莫西林，嗓子发炎了", catalogue)
    assert antibiotic.medical and antibiotic.restricted
    sleeping = understand("Anyone have Ambien? can't sleep for days", catalogue)
    assert sleeping.restricted
    fever = understand("谁家有美林", catalogue)
    assert fever.medical and not fever.restricted
    ladder = understand("谁家有梯子", catalogue)
    assert not ladder.medical and not ladder.restricted


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Snow tires, 4 of them, free to whoever wants", "Snow tires"),
    ],
)
def test_an_offer_that_opens_with_its_thing_names_it(
    catalogue: Catalogue, text: str, name: str
) -> None:
    parsed = understand(text, catalogue)
    assert parsed.intent == "offer"
    assert [(i.name, i.known) for i in parsed.items] == [(name, False)]
