"""A captain who types an impossible record number gets one line back, never a crash."""

from __future__ import annotations

import pytest

from tests.harness import Building

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "command",
    [f"/remove {HUGE}", f"/event cancel {HUGE}", f"/duty cancel {HUGE}",
     f"/deliberations follow {HUGE} fixed", "/remove ²", "/event cancel ١٢"],
)  # fmt: skip
async def test_an_impossible_number_is_answered(command: str) -> None:
    async with Building() as b:
        b.opened_bot(b.captain)
        before = len(b.group_posts())
        await b.say(b.captain, command)
        answers = b.group_posts()[before:] + b.private(b.captain)
        assert answers, "the captain got no answer"
