"""The ledger's rules as pure functions: how amounts and states move, who waits in line, and
what a sharing button says. No chat, no database: values in, values out."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.sharing.allocation import WINDOWED, draw, skips_window
from bot.core.sharing.amounts import format_amount
from bot.core.sharing.ledger_rules import (
    is_open,
    offer_after,
    request_after,
    share_amount,
)
from bot.core.sharing.vocabulary import (
    CloseAction,
    MatchAction,
    OfferStatus,
    RequestStatus,
    SharingPress,
    read_sharing_press,
    sharing_data,
)
from storage.records import Entry

pytestmark = pytest.mark.no_storage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def entry(kind: str = "offer", *, quantity: float | None = 2, remaining: float = 2, held=0.0,
          status: str | None = None) -> Entry:  # fmt: skip
    return Entry(
        id=1,
        kind=kind,  # type: ignore[arg-type]
        status=status or ("available" if kind == "offer" else "open"),
        user_id=7,
        chat_id=-100,
        message_id=1,
        building="b3",
        community="garden",
        item_name="布洛芬",
        canonical="ibuprofen",
        category="medicine",
        medical=True,
        urgent=False,
        quantity=quantity,
        unit="盒",
        remaining=remaining,
        held=held,
        text="我有两盒布洛芬",
        created_at=NOW,
        expires_at=NOW + timedelta(days=14),
        nudged_at=None,
        closed_at=None,
    )


def test_a_request_takes_what_it_asked_for_and_at_most_what_is_left():
    offer = entry(quantity=3, remaining=3, held=1)  # one box already promised
    assert share_amount(entry("request", quantity=1, remaining=1), offer) == 1
    assert share_amount(entry("request", quantity=5, remaining=5), offer) == 2
    assert share_amount(entry("request", quantity=None, remaining=1), offer) == 1


def test_nothing_left_to_share_is_zero_not_negative():
    offer = entry(quantity=1, remaining=1, held=1)
    assert share_amount(entry("request", quantity=1, remaining=1), offer) == 0


def test_an_offer_is_reserved_while_all_of_it_is_promised_and_given_at_zero():
    offer = entry(quantity=2, remaining=2, held=1)
    assert offer_after(offer, released=0).status is OfferStatus.AVAILABLE
    held_all = replace(offer, held=2)
    assert offer_after(held_all).status is OfferStatus.RESERVED
    handed = offer_after(held_all, given=1)  # one box changed hands, one still promised
    assert (handed.status, handed.remaining, handed.held, handed.closed) == (
        OfferStatus.RESERVED,
        1,
        1,
        False,
    )
    last = offer_after(replace(offer, remaining=1, held=1), given=1)
    assert (last.status, last.remaining, last.held, last.closed) == (OfferStatus.GIVEN, 0, 0, True)


def test_releasing_a_promise_makes_the_offer_available_again():
    offer = entry(quantity=2, remaining=2, held=2)
    after = offer_after(offer, released=1)
    assert (after.status, after.held) == (OfferStatus.AVAILABLE, 1)


def test_a_request_is_fulfilled_when_it_has_what_it_asked_for():
    assert request_after(entry("request", quantity=2, remaining=2), received=1) == (
        RequestStatus.OPEN,
        1,
        False,
    )
    assert request_after(entry("request", quantity=2, remaining=1), received=1) == (
        RequestStatus.FULFILLED,
        0,
        True,
    )
    # "anyone have a drill?" states no amount: one hand-over fulfils it.
    assert request_after(entry("request", quantity=None, remaining=1), received=1)[0] == "fulfilled"


@pytest.mark.parametrize(
    ("kind", "status", "open_"),
    [
        ("offer", "available", True),
        ("offer", "reserved", True),
        ("offer", "given", False),
        ("offer", "withdrawn", False),
        ("offer", "expired", False),
        ("offer", "removed", False),
        ("request", "open", True),
        ("request", "matched", True),
        ("request", "fulfilled", False),
        ("request", "cancelled", False),
        ("request", "expired", False),
        ("request", "removed", False),
    ],
)
def test_which_states_are_still_in_play(kind, status, open_):
    assert is_open(entry(kind, status=status)) is open_


def test_amounts_read_as_residents_write_them():
    assert format_amount(2, "盒") == " ×2盒"
    assert format_amount(0.5, None) == " ×0.5"
    assert format_amount(None, "盒") == ""


def test_urgent_and_medicine_requests_never_wait_for_a_window():
    assert skips_window(urgent=True, medical=False)
    assert skips_window(urgent=False, medical=True)
    assert not skips_window(urgent=False, medical=False)
    assert {"giver_chooses", "lottery"} == WINDOWED


def test_a_lottery_draw_is_replayable_from_its_seed():
    line = ["alice", "bob", "carol", "dan"]
    assert draw(line, random.Random(7)) == draw(line, random.Random(7))
    assert {draw(line, random.Random(seed)) for seed in range(40)} == set(line)


@pytest.mark.parametrize("action", [*MatchAction, *CloseAction])
def test_every_sharing_button_reads_back_as_itself(action):
    data = sharing_data(action, 123456789012)
    assert len(data.encode()) <= 64  # Telegram's limit for callback data
    assert read_sharing_press(data) == SharingPress(action, 123456789012)


@pytest.mark.parametrize("data", ["", "w", "w:", "z:1", "w:1:2", "w:-1", "w:1234567890123", "ea:1"])
def test_anything_else_is_not_a_sharing_press(data):
    assert read_sharing_press(data) is None


def test_the_codec_keeps_the_letters_buttons_already_carry():
    # Buttons sent before an upgrade stay pressable: the letters are the stored contract.
    assert [sharing_data(a, 5) for a in MatchAction] == ["y:5", "n:5", "h:5"]
    assert [sharing_data(a, 5) for a in CloseAction] == ["w:5", "g:5", "k:5", "x:5"]
