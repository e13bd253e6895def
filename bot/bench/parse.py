"""`jinlin bench parse`: score the understanding layer on a labelled corpus and time it."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.understanding import Catalogue, Parsed, understand

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared/corpus/dev.jsonl"
INTENTS = ("offer", "request", "none")
_PASSES = 7


@dataclass(frozen=True)
class Row:
    """One labelled message."""

    id: str
    lang: str
    text: str
    intent: str
    items: tuple[tuple[str, ...], ...]
    quantity: float | None
    urgent: bool


@dataclass
class Tally:
    """Counts for one language (or all of them)."""

    intents: list[tuple[str, str]] = field(default_factory=list)
    items_found: int = 0
    items_total: int = 0
    qty_right: int = 0
    qty_total: int = 0
    qty_false: int = 0
    urgent: list[tuple[bool, bool]] = field(default_factory=list)


def load_corpus(path: Path) -> list[Row]:
    """Read a labelled JSONL corpus."""
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            q = d.get("quantity")
            rows.append(
                Row(
                    id=d["id"],
                    lang=d["lang"],
                    text=d["text"],
                    intent=d["intent"],
                    items=tuple(tuple(names) for names in d.get("items", [])),
                    quantity=None if q is None else float(q["n"]),
                    urgent=bool(d.get("urgent")),
                )
            )
    return rows


def _norm(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def _names_match(a: str, b: str) -> bool:
    return a == b or (len(a) >= 2 and len(b) >= 2 and (a in b or b in a))


def item_found(acceptable: Sequence[str], parsed: Parsed, catalogue: Catalogue) -> bool:
    """The corpus rule: a parsed name, canonical or alias equals or contains a labelled name."""
    wanted = [_norm(n) for n in acceptable]
    for item in parsed.items:
        names = [item.name, item.canonical, *catalogue.names_of(item.canonical)]
        if any(_names_match(_norm(n), w) for n in names for w in wanted):
            return True
    return False


def _f1(pairs: Iterable[tuple[Any, Any]], label: Any) -> float:
    tp = fp = fn = 0
    for gold, got in pairs:
        tp += gold == label and got == label
        fp += gold != label and got == label
        fn += gold == label and got != label
    if tp == 0:
        return 1.0 if fp == 0 and fn == 0 else 0.0
    return 2 * tp / (2 * tp + fp + fn)


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "n/a"


def score(rows: Sequence[Row], catalogue: Catalogue) -> tuple[dict[str, Tally], list[str]]:
    """Tallies per language plus "all", and one line per miss."""
    tallies: dict[str, Tally] = {}
    misses: list[str] = []
    for row in rows:
        parsed = understand(row.text, catalogue)
        problems = []
        for tally in (tallies.setdefault(row.lang, Tally()), tallies.setdefault("all", Tally())):
            tally.intents.append((row.intent, parsed.intent))
            tally.urgent.append((row.urgent, parsed.urgent))
            for acceptable in row.items:
                tally.items_total += 1
                tally.items_found += item_found(acceptable, parsed, catalogue)
            got_n = parsed.quantity.n if parsed.quantity else None
            if row.quantity is not None:
                tally.qty_total += 1
                tally.qty_right += got_n is not None and float(got_n) == row.quantity
            elif got_n is not None:
                tally.qty_false += 1
        if parsed.intent != row.intent:
            problems.append(f"intent {parsed.intent} != {row.intent}")
        for acceptable in row.items:
            if not item_found(acceptable, parsed, catalogue):
                problems.append(f"item {acceptable[0]!r} not found")
        got_n = parsed.quantity.n if parsed.quantity else None
        if (got_n is None) != (row.quantity is None) or (
            got_n is not None and float(got_n) != row.quantity
        ):
            problems.append(f"quantity {got_n} != {row.quantity}")
        if parsed.urgent != row.urgent:
            problems.append(f"urgent {parsed.urgent} != {row.urgent}")
        if problems:
            got = ", ".join(i.name for i in parsed.items) or "-"
            misses.append(
                f"{row.id} [{row.lang}] {row.text!r}\n    {'; '.join(problems)}; items: {got}"
            )
    return tallies, misses


def throughput(rows: Sequence[Row], catalogue: Catalogue, passes: int = _PASSES) -> list[float]:
    """Messages per second on this core, one figure per timed pass."""
    texts = [r.text for r in rows]
    rates = []
    for _ in range(passes):
        start = time.perf_counter()
        for text in texts:
            understand(text, catalogue)
        rates.append(len(texts) / (time.perf_counter() - start))
    return rates


def report(tallies: dict[str, Tally], rates: Sequence[float]) -> str:
    """The benchmark table as text."""
    lines = [
        f"{'lang':<8}{'n':>5}  {'intent F1':>10}  {'item recall':>16}  {'quantity acc':>14}"
        f"  {'false qty':>9}  {'urgency F1':>10}"
    ]
    order = [*sorted(k for k in tallies if k != "all"), "all"]
    for lang in order:
        t = tallies[lang]
        macro = statistics.mean(_f1(t.intents, label) for label in INTENTS)
        lines.append(
            f"{lang:<8}{len(t.intents):>5}  {macro:>10.3f}  "
            f"{_ratio(t.items_found, t.items_total):>16}  {_ratio(t.qty_right, t.qty_total):>14}"
            f"  {t.qty_false:>9}  {_f1(t.urgent, True):>10.3f}"
        )
    lines.append(
        f"throughput: {statistics.median(rates):,.0f} messages/s "
        f"(median of {len(rates)} passes, one core; best {max(rates):,.0f})"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the parse benchmark; prints the table (and misses with --misses)."""
    parser = argparse.ArgumentParser(prog="jinlin bench parse", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="labelled JSONL")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"error: corpus not found: {args.corpus} (pass --corpus PATH)", file=sys.stderr)
        return 2
    rows = load_corpus(args.corpus)
    catalogue = Catalogue.load()
    tallies, misses = score(rows, catalogue)
    print(report(tallies, throughput(rows, catalogue)))
    if args.misses:
        print(f"\nmisses ({len(misses)}):")
        for miss in misses:
            print(miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
