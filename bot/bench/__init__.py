"""Benchmarks (`jinlin bench parse | load | workers`), run from a clone of the repository.

Not in the wheel (pyproject.toml excludes this package): a production install runs without
them, and `jinlin run` never imports them.
"""
