"""`jinlin train`: rebuild the shipped intent model, optionally with a deployment's corrections."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bot.understanding.catalogue import Catalogue
from bot.understanding.intent_model import MODEL_PATH
from bot.understanding.training import Example, train


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
    extra: list[Example] = []
    if args.with_corrections:
        from bot.understanding.corrections_export import load_corrections

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
    return 0
