"""`jinlin bench load` puts the bot alone and the bot with its sender process side by side."""

from __future__ import annotations

from bot.app.cli import main as jinlin


def test_one_run_measures_both_shapes_of_the_bot(capsys):
    tiny = ["--entries", "200", "--runs", "1", "--updates", "60", "--groups", "4"]
    tiny += ["--residents", "3", "--latency-samples", "3", "--sender", "both"]

    assert jinlin(["bench", "load", *tiny]) == 0

    table = capsys.readouterr().out.splitlines()
    rows = [line.split("|")[1].strip() for line in table if line.strip().startswith("200 |")]
    assert rows == ["one process", "+ sender"]
    assert any("the sender process gives" in line for line in table)


def test_the_bare_ptb_bot_is_measured_in_the_same_run_and_jinlin_given_as_its_multiple(capsys):
    tiny = ["--entries", "200", "--runs", "1", "--updates", "60", "--groups", "4"]
    tiny += ["--residents", "3", "--latency-samples", "3", "--sender", "off"]

    assert jinlin(["bench", "load", *tiny]) == 0

    out = capsys.readouterr().out
    peer = [line for line in out.splitlines() if line.startswith("bare PTB bot")]
    assert len(peer) == 1 and float(peer[0].split(": ")[1].split()[0]) > 0
    assert "200, one process:" in out and "× the bare PTB bot" in out
