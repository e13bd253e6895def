"""/offer item [amount]: the amount after the item, in either language."""

import pytest

from bot.core.understanding import command_amount


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
