"""/offer item [amount]: the amount after the item, in either language."""

import pytest

from bot.core.understanding import command_amount, unusable_amount


@pytest.mark.parametrize(
    ("args", "n", "unit"),
    [
        ("ibuprofen 2", 2, None),
        ("布洛芬 2盒", 2, "盒"),
        ("口罩 三包", 3, "包"),
        ("masks 2 boxes", 2, "box"),
        ("退烧贴 1.5", 1.5, None),
    ],
)
def test_the_amount_after_the_item_is_read(args: str, n: float, unit: str | None) -> None:
    amount = command_amount(args)
    assert amount is not None and amount.n == n
    assert unit is None or (amount.unit or "").startswith(unit)


@pytest.mark.parametrize("args", ["ladder", "儿童退烧药", "ibuprofen 0", "drill 2000000"])
def test_no_amount_or_a_nonsense_one_is_none(args: str) -> None:
    assert command_amount(args) is None


@pytest.mark.parametrize("args", ["ibuprofen 0", "梯子 -3", "drill 99999", "口罩 0盒", "tape -1.5"])
def test_an_unusable_amount_is_told_apart(args: str) -> None:
    assert unusable_amount(args)


@pytest.mark.parametrize("args", ["ibuprofen 2", "梯子", "drill 12v", "口罩 3盒", "size 0 diapers"])
def test_a_usable_or_absent_amount_is_not_flagged(args: str) -> None:
    assert not unusable_amount(args)
