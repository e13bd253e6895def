"""What the waitlist says: the giver's choice of candidates, the hand-over check, and the
buttons under an agreed match. Pure: values in, messages out (the flow is in bot/core/sharing/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.effects import Button, SendMessage
from bot.core.i18n import say
from bot.core.sharing.vocabulary import (
    MatchAction,
    sharing_data,
)

Keyboard = tuple[tuple[Button, ...], ...]

# Candidates shown to a giver who chooses (one button each).
MAX_CHOICES = 8


@dataclass(frozen=True)
class Candidate:
    """A neighbour in line, as the giver sees them: first name and building only."""

    request_id: int
    first_name: str
    building: str


def _button(setting: str, key: str, data: str, **params: object) -> Button:
    return Button(say(setting, key, **params).replace("\n", " / "), data=data)


def choice_prompt(
    setting: str, item: str, offer_id: int, line: list[Candidate]
) -> tuple[str, Keyboard]:
    """'Who should get it?' with one button per candidate (callback pk:<offer>:<request>)."""
    lines = [say(setting, "choose_prompt", item=item, n=len(line))]
    rows: list[tuple[Button, ...]] = []
    for n, who in enumerate(line[:MAX_CHOICES], start=1):
        lines.append(say(setting, "choose_line", n=n, name=who.first_name, building=who.building))
        rows.append(
            (
                _button(
                    setting,
                    "btn_choose",
                    f"pk:{offer_id}:{who.request_id}",
                    name=who.first_name,
                    building=who.building,
                ),
            )
        )
    return "\n".join(lines), tuple(rows)


def handover_check(
    setting: str, user_id: int, match_id: int, *, item: str | Callable[[str], str], other: str
) -> SendMessage:
    """'Did the hand-over happen?': handed over / not yet, still on / it didn't happen."""
    return SendMessage(
        chat_id=user_id,
        text=say(setting, "handover_check", item=item, other=other),
        buttons=(
            (
                _button(setting, "btn_handed_yes", sharing_data(MatchAction.HANDED_OVER, match_id)),
                _button(setting, "btn_still_on", f"hk:{match_id}"),
            ),
            (_button(setting, "btn_no_show", f"ns:{match_id}"),),
        ),
    )


def match_buttons(setting: str, match_id: int, chat: Keyboard) -> Keyboard:
    """Under an agreed match: handed over / no-show, then the relayed chat's buttons."""
    return (
        (
            _button(setting, "btn_handed", sharing_data(MatchAction.HANDED_OVER, match_id)),
            _button(setting, "btn_no_show", f"ns:{match_id}"),
        ),
        *chat,
    )
