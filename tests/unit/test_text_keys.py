"""Every text key a code path can say exists in Chinese and in English.

Keys are literal where they can be; where one is built (`f"status_{entry.status}"`), its
family is listed here with every value the code can put in it, so a new status or rule
without its texts fails here rather than in a resident's chat.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.core.civic.vocabulary import NominationStatus
from bot.core.i18n import _texts
from bot.core.sharing.allocation import WINDOWED
from bot.core.sharing.ledger_rules import CLOSED_OFFER, CLOSED_REQUEST
from bot.core.sharing.vocabulary import OfferStatus, RequestStatus

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    p
    for folder in ("bot", "handlers")
    for p in (ROOT / folder).rglob("*.py")
    if "bench" not in p.parts
]

OPEN_STATUSES = [s for s in OfferStatus if s not in CLOSED_OFFER] + [
    s for s in RequestStatus if s not in CLOSED_REQUEST
]
# Built keys: the prefix before the first placeholder, and every value it can take.
FAMILIES: dict[str, list[str]] = {
    "kind_": ["offer", "request"],
    "status_": [str(s) for s in OPEN_STATUSES],  # /mine and /ledger list open entries
    "report_status_": ["open", "progress", "resolved"],
    "rule_intro_": ["first_come", *sorted(WINDOWED)],
    "rule_ack_": sorted(WINDOWED),
    "line_joined_": sorted(WINDOWED),
    "bk_mine_": ["pending", "confirmed", "offered", "out"],
    "bk_status_": ["pending", "offered", "out"],
    "nomination_status_": [str(s) for s in NominationStatus],
    "private_ask_": ["offer", "request"],
    "private_post_": ["offer", "request"],
    "btn_private_flip_": ["offer", "request"],
}
pytestmark = pytest.mark.no_storage  # pure: the source and the text files

# Where a call's text key is: the function's name and the argument's position.
KEY_ARGUMENT = {
    "say": 1,
    "text": 1,
    "_private": 2,
    "_private_to": 2,
    "_note": 2,
    "UserError": 0,
    "BookingRefusal": 0,
    "CivicRefusal": 0,
    "button": 1,
    "RosterError": 0,
    "DutyRefusal": 0,
    "_button": 1,
    "_tell": 3,
}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _keys(node: ast.expr) -> tuple[list[str], list[str]]:
    """(literal keys, built-key prefixes) an expression can evaluate to."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value], []
    if isinstance(node, ast.IfExp):
        a, b = _keys(node.body), _keys(node.orelse)
        return a[0] + b[0], a[1] + b[1]
    if isinstance(node, ast.JoinedStr):
        first = node.values[0]
        prefix = first.value if isinstance(first, ast.Constant) else ""
        return [], [str(prefix)]
    return [], []


def _said() -> tuple[set[str], set[str]]:
    literal: set[str] = set()
    built: set[str] = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                position = KEY_ARGUMENT.get(_name(node.func) or "")
                if position is not None and len(node.args) > position:
                    keys, prefixes = _keys(node.args[position])
                    literal.update(keys)
                    built.update(prefixes)
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "key" for t in node.targets
            ):
                keys, prefixes = _keys(node.value)
                literal.update(keys)
                built.update(prefixes)
    return literal, built


LITERAL, BUILT = _said()


def test_the_scan_finds_the_keys_it_should():
    assert {"welcome", "marked_given", "withdrawn", "match_gone"} <= LITERAL
    assert {"kind_", "status_", "rule_ack_"} <= BUILT


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_literal_key_said_exists(lang):
    missing = sorted(k for k in LITERAL if k not in _texts()[lang])
    assert missing == []


def test_every_built_key_belongs_to_a_listed_family():
    assert sorted(BUILT - FAMILIES.keys()) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_a_family_can_build_exists(lang):
    missing = [
        prefix + value
        for prefix, values in FAMILIES.items()
        for value in values
        if prefix + value not in _texts()[lang]
    ]
    assert missing == []
