"""`jinlin bench parse` on a tiny corpus of our own."""

import json
from pathlib import Path

import pytest

from bot.bench import parse as bench_parse

ROWS = [
    {"id": "t1", "lang": "zh", "text": "谁家有芬必得，牙疼", "intent": "request",
     "items": [["芬必得", "布洛芬", "ibuprofen"]], "quantity": None, "urgent": False},
    {"id": "t2", "lang": "en", "text": "Free: 2 bags of kids clothes", "intent": "offer",
     "items": [["kids clothes", "clothes"]], "quantity": {"n": 2, "unit": "bag"}, "urgent": False},
    {"id": "t3", "lang": "en", "text": "URGENT: need a ladder now, cat stuck on the roof",
     "intent": "request",
     "items": [["ladder"]], "quantity": None, "urgent": True},
    {"id": "t4", "lang": "zh", "text": "中秋快乐", "intent": "offer",
     "items": [], "quantity": None, "urgent": False},
]  # fmt: skip


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8")
    return path


def test_reports_every_language_and_lists_misses(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench_parse.main(["--corpus", str(corpus), "--misses"]) == 0
    out = capsys.readouterr().out
    for heading in ("intent F1", "item recall", "quantity acc", "urgency F1", "messages/s"):
        assert heading in out
    assert "(3/3)" in out  # every labelled item found
    assert "t4 [zh] '中秋快乐'" in out  # the deliberately mislabelled row is listed
    assert "misses (1)" in out


def test_missing_corpus_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench_parse.main(["--corpus", str(tmp_path / "nope.jsonl")]) == 2
    assert "corpus not found" in capsys.readouterr().err


def test_scoring_follows_the_corpus_rule() -> None:
    assert bench_parse._names_match("布洛芬缓释胶囊", "布洛芬")
    assert not bench_parse._names_match("药", "药品")  # one character is too short to contain
