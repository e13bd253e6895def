"""`jinlin bench workers` says how much of the machine each shape kept busy, and from what."""

from __future__ import annotations

import os

from bot.bench.workers import ShapeResult, report


def _run(
    backend: str, workers: int, seconds: float, bot: float, pg: float, harness: float
) -> ShapeResult:
    return ShapeResult(
        backend,
        workers,
        throughput=3000 / seconds,
        latency_ms=[5.0, 6.0],
        updates=3000,
        cpu_bot=bot,
        cpu_postgres=pg,
        cpu_harness=harness,
        seconds=seconds,
    )


def test_each_shape_reports_the_cores_it_kept_busy_by_part():
    one = [_run("postgresql", 1, 4.0, bot=2.4, pg=1.2, harness=1.6)]
    two = [
        _run("postgresql", 2, 2.0, bot=2.0, pg=0.8, harness=1.0),
        _run("postgresql", 2, 4.0, bot=4.0, pg=1.6, harness=2.0),  # the same shares, slower
    ]
    text = report([one, two], peer=[], runs=2, entries=10_000)
    cores = os.cpu_count()
    assert (
        f"cores busy: 1.30 of {cores} (bot 0.60, PostgreSQL 0.30, "
        "Telegram stand-in and traffic 0.40)" in text
    )
    assert f"cores busy: 1.90 of {cores} (bot 1.00, PostgreSQL 0.40" in text


def test_a_run_without_a_duration_reports_nothing_busy_instead_of_failing():
    empty = [_run("sqlite", 1, 4.0, bot=1.0, pg=0.0, harness=1.0)]
    empty[0].seconds = 0.0
    assert "cores busy: 0.00" in report([empty], peer=[], runs=1, entries=10)
