"""Door numbers written the way neighbours write them never reach a group post."""

import pytest

from bot.core.redaction import redact


@pytest.mark.parametrize(
    "text",
    ["帮502王阿姨搬东西", "住502", "我在1102家", "502的张大爷", "到1203拿", "3号楼502室",
     "Room 1102", "5-2-301"],
)  # fmt: skip
def test_a_door_number_is_hidden(text: str) -> None:
    assert not any(ch.isdigit() for ch in redact(text)), redact(text)


@pytest.mark.parametrize(
    "text",
    ["2000毫安充电宝", "在2020年", "9:00-11:00 楼道清洁 4人", "有3盒布洛芬", "周六 9点",
     "给100块", "size 4 diapers"],
)  # fmt: skip
def test_amounts_times_and_years_stay(text: str) -> None:
    assert redact(text) == text
