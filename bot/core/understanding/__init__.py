"""Jinlin's understanding layer: what a chat message offers or asks for. Pure, no I/O."""

from bot.core.understanding.catalogue import Catalogue, CatalogueAddition
from bot.core.understanding.model import Intent, Parsed, ParsedItem, Quantity
from bot.core.understanding.parser import understand
from bot.core.understanding.quantity import command_amount, unusable_amount

__all__ = [
    "Catalogue",
    "CatalogueAddition",
    "Intent",
    "Parsed",
    "ParsedItem",
    "Quantity",
    "command_amount",
    "understand",
    "unusable_amount",
]
