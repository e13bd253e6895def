"""Attack: out-of-range years in /points export crash the handler (traceback, no answer)."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.test_volunteers_points import config
from tests.harness import Building


class Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("period", ["0000", "9999-12", "0000-01"])
async def test_points_export_extreme_years_are_refused_politely(period):
    failures = Failures()
    logging.getLogger().addHandler(failures)
    try:
        async with Building(config()) as b:
            b.opened_bot(b.captain)
            before = len(b.private(b.captain))
            await b.dm(b.captain, f"/points export {period}")
            got = b.private(b.captain)[before:]
            print([m.content for m in got], [r.getMessage() for r in failures.records])
            assert not failures.records, [r.getMessage() for r in failures.records]
            assert got, "the captain got no answer"
    finally:
        logging.getLogger().removeHandler(failures)
