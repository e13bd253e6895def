"""`jinlin bench parse`: score the understanding layer on a labelled corpus and time it."""

from __future__ import annotations

import argparse
import dataclasses
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
from bot.core.understanding.intent_model import UnderstandingModel, load_model

DEFAULT_CORPUS = Path(__file__).resolve().parents[2].parent / "shared/corpus/dev.jsonl"
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
    reply_to: tuple[str, str] | None = None  # (text, intent) of the quoted message
    rx: bool = False  # names a prescription-only or controlled medicine


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
    rx_rows: int = 0
    rx_leaks: int = 0


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
                    reply_to=_reply_of(d.get("reply_to")),
                    rx=bool(d.get("rx")),
                )
            )
    return rows


def _reply_of(value: Any) -> tuple[str, str] | None:
    if isinstance(value, dict) and "text" in value and "intent" in value:
        return str(value["text"]), str(value["intent"])
    return None


def _reply_parsed(
    row: Row, catalogue: Catalogue, model: UnderstandingModel | None = None
) -> Parsed | None:
    """The quoted message as the bot would have read it, with the intent it was labelled."""
    if row.reply_to is None:
        return None
    text, intent = row.reply_to
    quoted = understand(text, catalogue, model=model)
    return dataclasses.replace(quoted, intent=intent)  # type: ignore[arg-type]


def rx_leak(parsed: Parsed) -> bool:
    """A medicine entry that automatic matching would use although the message names a
    prescription or controlled drug."""
    return parsed.intent != "none" and any(i.medicine and not i.restricted for i in parsed.items)


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


def score(
    rows: Sequence[Row], catalogue: Catalogue, model: UnderstandingModel | None = None
) -> tuple[dict[str, Tally], list[str]]:
    """Tallies per language plus "all", and one line per miss."""
    tallies: dict[str, Tally] = {}
    misses: list[str] = []
    for row in rows:
        parsed = understand(
            row.text, catalogue, reply_to=_reply_parsed(row, catalogue, model), model=model
        )
        problems = []
        for tally in (tallies.setdefault(row.lang, Tally()), tallies.setdefault("all", Tally())):
            tally.intents.append((row.intent, parsed.intent))
            tally.urgent.append((row.urgent, parsed.urgent))
            if row.rx:
                tally.rx_rows += 1
                tally.rx_leaks += rx_leak(parsed)
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
        if row.rx and rx_leak(parsed):
            problems.append("prescription medicine would be matched automatically")
        if problems:
            got = ", ".join(i.name for i in parsed.items) or "-"
            misses.append(
                f"{row.id} [{row.lang}] {row.text!r}\n    {'; '.join(problems)}; items: {got}"
            )
    return tallies, misses


def throughput(
    rows: Sequence[Row],
    catalogue: Catalogue,
    passes: int = _PASSES,
    model: UnderstandingModel | None = None,
) -> list[float]:
    """Messages per second on this core, one figure per timed pass."""
    texts = [r.text for r in rows]
    rates = []
    for _ in range(passes):
        start = time.perf_counter()
        for text in texts:
            understand(text, catalogue, model=model)
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
    rx_rows = tallies["all"].rx_rows if "all" in tallies else 0
    if rx_rows:
        leaks = tallies["all"].rx_leaks
        lines.append(
            f"prescription/controlled medicine messages: {rx_rows}, matched automatically: {leaks}"
        )
    lines.append(
        f"throughput: {statistics.median(rates):,.0f} messages/s "
        f"(median of {len(rates)} passes, one core; best {max(rates):,.0f})"
    )
    return "\n".join(lines)


def corpus_files(corpus: list[Path], split: str | None) -> list[Path]:
    """The files to score: those named, or the batches of one split of the team's corpus."""
    if split is None:
        return corpus or [DEFAULT_CORPUS]
    from bot.core.understanding.training import read_splits

    splits = read_splits()
    if split == "all":
        return [*splits.train, *splits.validation, *splits.test]
    return list(getattr(splits, split))


def main(argv: list[str] | None = None) -> int:
    """Run the parse benchmark; prints the table (and misses with --misses)."""
    parser = argparse.ArgumentParser(prog="jinlin bench parse", description=__doc__)
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=[],
        help="labelled JSONL (repeatable; default ../shared/corpus/dev.jsonl)",
    )
    parser.add_argument(
        "--split",
        choices=("train", "validation", "test", "all"),
        help="score a split of the team's corpus (corpus/splits.toml) instead",
    )
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--model", type=Path, help="a model file from jinlin train --output")
    args = parser.parse_args(argv)
    files = corpus_files(args.corpus, args.split)
    absent = [str(f) for f in files if not f.is_file()]
    if absent:
        print(f"error: corpus not found: {', '.join(absent)} (pass --corpus PATH)", file=sys.stderr)
        return 2
    rows = [row for f in files for row in load_corpus(f)]
    if not rows:
        print("error: the corpus has no messages", file=sys.stderr)
        return 2
    catalogue = Catalogue.load()
    model = load_model(args.model) if args.model else None
    tallies, misses = score(rows, catalogue, model)
    print(report(tallies, throughput(rows, catalogue, model=model)))
    if args.misses:
        print(f"\nmisses ({len(misses)}):")
        for miss in misses:
            print(miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
