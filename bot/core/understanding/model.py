"""The values the understanding layer hands to the rest of Jinlin.

This is the contract between parsing and everything else (ledger, matching,
`jinlin parse`). Keep it stable: `Parsed.to_json()` is the public JSON shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Intent = Literal["offer", "request", "none"]


@dataclass(frozen=True)
class ParsedItem:
    """One thing offered or requested."""

    name: str  # the name as the resident wrote it ("美林", "ladder")
    canonical: str  # catalogue key ("ibuprofen_children"); for unknown items a normalised name
    category: str | None  # nearest catalogue category key ("child_fever_reducer"), None if unknown
    known: bool = True  # False when the item is not in the catalogue
    medicine: bool = False  # any medicine category above it
    restricted: bool = False  # prescription-only / controlled: never matched automatically
    # Held back only because the same message names a prescription drug (ibuprofen beside
    # oxycodone): not matched, but not called a prescription drug either.
    caution: bool = False


@dataclass(frozen=True)
class Quantity:
    """An amount as stated: 两盒 -> Quantity(2, "盒")."""

    n: float
    unit: str | None = None


@dataclass(frozen=True)
class Parsed:
    """What one message says, as far as sharing goes."""

    text: str
    intent: Intent
    items: tuple[ParsedItem, ...] = ()
    quantity: Quantity | None = None
    urgent: bool = False
    # A building repair complaint ("楼道灯坏了", "the lift is stuck again"): intent stays "none".
    repair: bool = False
    # Free-form hints the parser found (e.g. "lend" for borrow/lend, "reply" for "我有" replies).
    tags: frozenset[str] = field(default_factory=frozenset)
    # How sure the intent is (1.0 for a categorical rule); `unsure` when it is a guess, in which
    # case nothing is posted in the group and the author is asked privately.
    confidence: float = 1.0
    unsure: bool = False
    # The author says their own offer or request is done ("已送出", "found one, thanks").
    closing: bool = False
    # Someone is in danger and no item is named (fell, collapsed, fire, gas, trapped in a lift).
    emergency: bool = False

    @property
    def medical(self) -> bool:
        return any(item.medicine for item in self.items)

    @property
    def restricted(self) -> bool:
        return any(item.restricted for item in self.items)

    def to_json(self) -> dict[str, Any]:
        """The stable `jinlin parse` JSON object."""
        quantity = None
        if self.quantity is not None:
            n = self.quantity.n
            quantity = {"n": int(n) if float(n).is_integer() else n, "unit": self.quantity.unit}
        return {
            "text": self.text,
            "intent": self.intent,
            "items": [
                {"name": i.name, "canonical": i.canonical, "category": i.category}
                for i in self.items
            ],
            "quantity": quantity,
            "urgent": self.urgent,
        }
