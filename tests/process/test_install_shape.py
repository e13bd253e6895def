"""A production install: the bot runs without the benchmarks and the HTTP stand-in of Telegram."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]
TESTS_AND_BENCHMARKS_ONLY = ("bot.bench", "bot.telegram_sim.http_server")

# What `jinlin run` (polling or --webhook, with or without its sender child) and
# `jinlin console` load on their way to serving residents.
RUNTIME = [
    "bot.app.cli",
    "bot.app.runner",
    "bot.app.webhook_mode",
    "bot.delivery.sender_process",
    "bot.app.application",
    "bot.tools.console",
]


def test_running_the_bot_imports_no_benchmark_and_no_http_stand_in():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib, sys\n"
            f"for name in {RUNTIME!r}: importlib.import_module(name)\n"
            "print('\\n'.join(sorted(sys.modules)))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    assert (
        "bot.app.runner" in loaded and "bot.telegram_sim.world" in loaded
    )  # the console's Telegram
    assert [name for name in loaded if name.startswith(TESTS_AND_BENCHMARKS_ONLY)] == []


def test_the_wheel_leaves_out_benchmarks_and_the_http_stand_in_but_keeps_the_console():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    rules = pyproject["tool"]["setuptools"]["packages"]["find"]
    shipped = set(find_packages(str(ROOT), include=rules["include"], exclude=rules["exclude"]))

    assert {"bot", "bot.telegram_sim", "handlers", "storage", "storage.migrations"} <= shipped
    assert not [name for name in shipped if name.startswith(TESTS_AND_BENCHMARKS_ONLY)]
