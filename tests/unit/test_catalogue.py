"""The item catalogue: names, brand <-> generic, categories, match keys, admin additions."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.core.understanding import Catalogue, CatalogueAddition, ParsedItem

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


def _key(catalogue: Catalogue, name: str) -> str:
    item = catalogue.lookup(name)
    assert item is not None
    return item.canonical


def test_ships_several_hundred_entries_across_categories(catalogue: Catalogue) -> None:
    assert len(catalogue) >= 350
    for root in ("medicine", "tools", "baby_items", "food", "household", "elderly_aids"):
        assert root in catalogue


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (
            ["泰诺林", "必理痛", "百服宁", "扑热息痛", "Tylenol", "PANADOL", "paracetamol"],
            "acetaminophen",
        ),
        (["芬必得", "布洛芬", "Advil", "motrin", "Nurofen"], "ibuprofen"),
        (["美林", "布洛芬混悬液", "Children's Motrin"], "ibuprofen_children"),
        (["阿莫西林", "amoxicillin", "Augmentin"], "amoxicillin"),
        (["速效救心丸", "救心丸"], "suxiao_jiuxin"),
        (["轮椅", "輪椅", "wheelchair"], "wheelchair"),
        (["婴儿车", "嬰兒車", "BB車", "stroller", "pram"], "stroller"),
        (["螺丝刀", "螺絲批", "改锥", "screwdriver"], "screwdriver"),
    ],
)
def test_every_name_of_a_thing_gives_one_key(
    catalogue: Catalogue, names: list[str], key: str
) -> None:
    for name in names:
        assert _key(catalogue, name) == key, name


def test_a_category_request_is_covered_by_a_member_offer(catalogue: Catalogue) -> None:
    wanted = catalogue.lookup("小儿退烧药")
    offered = catalogue.lookup("美林")
    assert wanted is not None and offered is not None
    assert catalogue.request_key(wanted) == "child_fever_reducer"
    assert catalogue.request_key(wanted) in catalogue.offer_keys(offered)
    assert catalogue.covers(wanted, offered)
    # …but one member does not stand in for another.
    assert not catalogue.covers(offered, catalogue.lookup("泰诺林"))  # type: ignore[arg-type]


def test_a_generic_request_is_covered_by_a_brand_offer(catalogue: Catalogue) -> None:
    wanted = catalogue.lookup("布洛芬")
    for brand in ("Advil", "芬必得"):
        offered = catalogue.lookup(brand)
        assert wanted is not None and offered is not None
        assert catalogue.covers(wanted, offered), brand


def test_offer_keys_climb_every_category(catalogue: Catalogue) -> None:
    item = catalogue.lookup("美林")
    assert item is not None
    assert catalogue.offer_keys(item) == {
        "ibuprofen_children",
        "child_fever_reducer",
        "fever_reducer",
        "medicine",
    }
    assert catalogue.categories_of("ibuprofen_children") == [
        "child_fever_reducer",
        "fever_reducer",
        "medicine",
    ]
    assert catalogue.categories_of("no_such_key") == []


def test_medicine_and_restricted_flags(catalogue: Catalogue) -> None:
    def item(name: str) -> ParsedItem:
        found = catalogue.lookup(name)
        assert found is not None
        return found

    assert item("布洛芬").medicine and not item("布洛芬").restricted
    for name in ("阿莫西林", "头孢", "安眠药", "艾司唑仑", "Ambien", "曲马多", "oxycodone"):
        assert item(name).medicine and item(name).restricted, name
    # Nitrates, injectables and reliever inhalers are prescription-only: never matched
    # automatically (an urgent request for one still reaches the captains at once).
    for name in ("硝酸甘油", "EpiPen", "ventolin", "胰岛素"):
        assert item(name).medicine and item(name).restricted, name
    assert not item("速效救心丸").restricted  # sold over the counter in China
    assert not item("体温计").medicine


def test_display_names(catalogue: Catalogue) -> None:
    assert catalogue.display_name("ibuprofen", "zh") == "布洛芬"
    assert catalogue.display_name("ibuprofen", "en") == "ibuprofen"
    assert catalogue.display_name("mystery_thing", "en") == "mystery_thing"


def test_lookup_of_typed_names(catalogue: Catalogue) -> None:
    assert catalogue.lookup("") is None
    assert catalogue.lookup("   ") is None
    assert _key(catalogue, "布洛芬 2盒") == "ibuprofen"
    assert _key(catalogue, "两盒 N95") == "n95_mask"
    assert _key(catalogue, "a stroller") == "stroller"
    assert _key(catalogue, "ibuprofin") == "ibuprofen"  # typo
    unknown = catalogue.lookup("电动理发推剪器 1个")
    assert unknown is not None
    assert not unknown.known and unknown.category is None
    assert unknown.name == "电动理发推剪器"
    scanner = catalogue.lookup("条形码扫描枪")  # 条 is a measure word, but not here
    assert scanner is not None and scanner.name == "条形码扫描枪"


def test_unknown_items_cover_each_other_by_name(catalogue: Catalogue) -> None:
    a = catalogue.lookup("Weber kettle grill cover")
    b = catalogue.lookup("kettle grill cover")
    c = catalogue.lookup("snorkel")
    assert a is not None and b is not None and c is not None
    assert catalogue.covers(b, a)
    assert not catalogue.covers(c, a)


def test_admin_additions_add_items_and_merge_aliases() -> None:
    catalogue = Catalogue.load(
        [
            CatalogueAddition(
                key="pickleball", zh="匹克球拍", en="pickleball paddle", category="toys"
            ),
            CatalogueAddition(key="ibuprofen", aliases=["布洛芬片剂小包装"]),
            CatalogueAddition(
                key="vigabatrin", zh="氨己烯酸", category="medicine", restricted=True
            ),
        ]
    )
    assert _key(catalogue, "匹克球拍") == "pickleball"
    assert _key(catalogue, "pickleball paddles") == "pickleball"
    assert catalogue.categories_of("pickleball") == ["toys"]
    assert _key(catalogue, "布洛芬片剂小包装") == "ibuprofen"
    assert _key(catalogue, "芬必得") == "ibuprofen"  # shipped aliases kept
    vigabatrin = catalogue.lookup("氨己烯酸")
    assert vigabatrin is not None and vigabatrin.restricted and vigabatrin.medicine


def test_an_addition_may_add_its_own_category() -> None:
    catalogue = Catalogue.load(
        [
            CatalogueAddition(key="ski_gear", zh="滑雪装备", category="household"),
            CatalogueAddition(key="ski_boots", zh="滑雪靴", category="ski_gear"),
        ]
    )
    assert catalogue.categories_of("ski_boots") == ["ski_gear", "household"]


@pytest.mark.parametrize(
    ("additions", "message"),
    [
        ([CatalogueAddition(key="painkiller_x", aliases=["Advil"])], "painkiller_x"),
        ([CatalogueAddition(key="thing", category="no_such_category")], "no_such_category"),
        (
            [
                CatalogueAddition(key="loop_a", category="loop_b"),
                CatalogueAddition(key="loop_b", category="loop_a"),
            ],
            "loop_",
        ),
        ([CatalogueAddition(key="Bad Key")], "Bad Key"),
        ([CatalogueAddition(key="blank", aliases=["  "])], "blank"),
    ],
)
def test_bad_lexicons_fail_at_load_naming_the_key(
    additions: list[CatalogueAddition], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Catalogue.load(additions)


def test_additions_reject_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        CatalogueAddition.model_validate({"key": "x", "colour": "red"})


def test_ambiguous_shipped_data_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        'entries = [{ key = "one", zh = "梯子" }, { key = "two", aliases = ["梯子"] }]\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="梯子"):
        Catalogue.load(data_dir=tmp_path)


def test_adult_fever_reducers_also_serve_a_request_for_childrens_fever_medicine():
    catalogue = Catalogue.load()
    wanted = catalogue.lookup("小儿退烧药")
    assert wanted is not None
    for offered in ("泰诺林", "布洛芬", "美林"):
        item = catalogue.lookup(offered)
        assert item is not None and catalogue.covers(wanted, item), offered
    aspirin = catalogue.lookup("阿司匹林")
    assert aspirin is not None and not catalogue.covers(wanted, aspirin)


def test_also_serves_must_name_a_known_key():
    with pytest.raises(ValueError, match="also serves unknown key"):
        Catalogue.load([CatalogueAddition(key="mystery_pill", zh="神秘药", also_serves=["nope"])])
