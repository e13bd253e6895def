"""`jinlin train`: rebuild the shipped model, or a deployment's own with its corrections."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bot.core.understanding.catalogue import Catalogue
from bot.core.understanding.intent_model import MODEL_PATH, UnderstandingModel
from bot.core.understanding.training import Example, intent_score, load_examples, read_splits, train


def run_train(args: argparse.Namespace) -> int:
    """Fit, report, and write (or, with --check, compare) the model file."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print(
            "jinlin train needs scikit-learn: pip install 'jinlin[train]' (./run installs it)",
            file=sys.stderr,
        )
        return 2
    if args.with_corrections and not args.output and not args.check:
        print(
            "✗ jinlin train --with-corrections writes this deployment's own model: "
            "name it with --output FILE (then set bot.model_file to it and /reload)",
            file=sys.stderr,
        )
        return 2
    extra: list[Example] = []
    if args.with_corrections:
        from bot.core.understanding.corrections_export import load_corrections

        try:
            extra = load_corrections(config=args.config, db=args.db)
        except ValueError as error:
            print(f"✗ jinlin train: {error}", file=sys.stderr)
            return 2
        print(f"corrections from this deployment: {len(extra)}")
    catalogue = Catalogue.load()
    model, report = train(catalogue, extra=extra, train_only=args.train_only)
    for line in report.lines():
        print(line)
    if args.with_corrections:
        # Before / after on the held-out test split, so the admin decides with figures.
        test = load_examples(read_splits().test)
        before = intent_score(UnderstandingModel.load(MODEL_PATH), test, catalogue)
        after = intent_score(model, test, catalogue)
        print(f"held-out test intent macro-F1: shipped model {before:.3f} -> new model {after:.3f}")
        if extra:
            on_them = intent_score(model, extra, catalogue)
            shipped = intent_score(UnderstandingModel.load(MODEL_PATH), extra, catalogue)
            print(f"on the corrections themselves: shipped {shipped:.3f} -> new {on_them:.3f}")
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            rebuilt = Path(tmp) / "model.json.gz"
            model.save(rebuilt)
            same = rebuilt.read_bytes() == MODEL_PATH.read_bytes()
        print("✓ the shipped model is reproduced" if same else "✗ differs from the shipped model")
        return 0 if same else 1
    output = Path(args.output) if args.output else MODEL_PATH
    model.save(output)
    print(f"wrote {output} ({output.stat().st_size:,} bytes)")
    if args.with_corrections:
        print(f'to use it: set bot.model_file = "{output}" in the config and /reload')
    return 0
