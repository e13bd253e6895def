"""The console forgives: bad arguments get one line and the session goes on, the prompt
shows the simulated time, and the clock starts where asked and moves within reason."""

from __future__ import annotations

import io
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app.cli import DEMO_CONFIG
from bot.app.cli import main as jinlin
from bot.core.config import load_config
from bot.tools.console import run_console

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEC_1 = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


async def console(*lines: str, at: datetime | None = DEC_1) -> list[str]:
    out = io.StringIO()
    code = await run_console(load_config(DEMO_CONFIG), lines=list(lines), out=out, at=at)
    assert code == 0
    return out.getvalue().splitlines()


def after(transcript: list[str], typed: str) -> list[str]:
    """What the console printed in answer to one typed line."""
    start = next(i for i, line in enumerate(transcript) if line.endswith("> " + typed))
    rest = transcript[start + 1 :]
    end = next((i for i, line in enumerate(rest) if "> " in line and line.startswith("[")), None)
    return rest[:end]


async def test_the_prompt_shows_the_simulated_time_from_the_start_time_asked_for():
    transcript = await console("/clock +2h")
    assert transcript[2].startswith("[2026-12-01 09:00] Alice @ ")
    assert transcript[-1].endswith("the time is now 2026-12-01 11:00 (Asia/Shanghai)")


async def test_the_readmes_absolute_clock_example_works_from_an_earlier_start():
    transcript = await console("/clock 2026-12-05 09:00", "/dump")
    assert "  (console) the time is now 2026-12-05 09:00 (Asia/Shanghai)" in transcript
    assert any(line.startswith("[2026-12-05 09:00] Alice") for line in transcript)


async def test_the_clock_moves_within_reason_and_says_why_not_further():
    transcript = await console("/clock +100000d", "/clock +2d")
    [refusal] = after(transcript, "/clock +100000d")
    assert "at most 400 days at a time" in refusal
    assert "the time is now 2026-12-03 09:00" in transcript[-1]


async def test_going_back_in_time_says_what_time_it_is_and_how_to_start_earlier():
    transcript = await console("/clock 2026-11-01 09:00")
    [refusal] = after(transcript, "/clock 2026-11-01 09:00")
    assert "only moves forward" in refusal and "2026-12-01 09:00" in refusal and "--at" in refusal


async def test_every_console_command_answers_bad_arguments_with_one_line():
    bad = [
        "/reply 99 hi",
        "/reply",
        "/reply x hi",
        "/press",
        "/press 42",
        "/group x",
        "/group 9",
        "/clock",
        "/clock soon",
        "/clock +99999999999d",
        "/as",
    ]
    transcript = await console(*bad, "I have a spare ladder to lend")
    for typed in bad:
        answer = after(transcript, typed)
        assert len(answer) == 1 and answer[0].startswith("  (console) "), (typed, answer)
    assert "there is no message #99" in after(transcript, "/reply 99 hi")[0]
    # The session went on: the last line was still said and answered.
    assert any("Alice: I have a spare ladder to lend" in line for line in transcript)


async def test_a_new_resident_keeps_the_name_as_typed():
    transcript = await console("/as Dave Smith", "/as 王阿姨")
    assert "  (console) you are now Dave Smith" in transcript
    assert "  (console) you are now 王阿姨" in transcript


def test_console_at_refuses_a_time_it_cannot_read(capsys):
    assert jinlin(["console", "--at", "tomorrow"]) == 2
    assert '"2026-12-05 09:00"' in capsys.readouterr().err


def test_bench_and_run_explain_themselves(capsys):
    for argv in (["bench", "--help"], ["run", "--help"]):
        try:
            jinlin(argv)
        except SystemExit as done:
            assert done.code == 0
    out = capsys.readouterr().out
    assert "parse" in out and "load" in out and "workers" in out and "updates/s" in out
    assert "config.example.toml" in out and "--monitoring-port" in out


def test_run_with_no_argument_starts_the_console():
    done = subprocess.run(
        ["bash", str(ROOT / "run")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "近邻 Jinlin console" in done.stdout
