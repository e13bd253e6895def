"""The `jinlin` command: console, run, parse, check-config, schedule, bench."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.config import Config, ConfigError, load_config, warnings_for
from storage.driver import is_postgres_url

if TYPE_CHECKING:
    from bot.app.webhook_mode import WebhookLaunch

logger = logging.getLogger(__name__)

DEMO_CONFIG = Path(__file__).parents[1] / "tools" / "data" / "demo.toml"


def _load(path: str | None, *, demo_if_missing: bool = False) -> Config:
    if path is None:
        if demo_if_missing:
            return load_config(DEMO_CONFIG)
        raise ConfigError([])
    return load_config(path)


def _print_problems(error: ConfigError, path: str | None) -> None:
    print(f"✗ {path or 'config'} has {len(error.problems)} problem(s):", file=sys.stderr)
    for problem in error.problems:
        print(f"  - {problem}", file=sys.stderr)


def cmd_check_config(args: argparse.Namespace) -> int:
    path = args.file or args.config
    if not path:
        print("usage: jinlin check-config config.toml", file=sys.stderr)
        return 2
    try:
        config = load_config(path)
    except ConfigError as error:
        _print_problems(error, path)
        return 1
    for warning in warnings_for(config):
        print(f"  ! {warning}")
    if _print_added_captains(config, args.db) != 0:
        return 1
    print(
        f"✓ {path} is valid: {len(config.communities)} communities, "
        f"{len(config.buildings)} buildings, {len(config.groups)} groups"
    )
    return 0


def _print_added_captains(config: Config, database: str | None) -> int:
    """Captains admins added from Telegram live in the database, not in the file: listed
    when check-config is given the database, and said plainly when it is not."""
    import sqlite3

    from storage.roster_store import added_captains_in_file

    if database is None:
        print(
            "  i captains added from Telegram (/captain add) are kept in the database, not in "
            "this file; add --db FILE to list them (the bot sends them with /captains)"
        )
        return 0
    if is_postgres_url(database):
        print("  i --db reads a SQLite file; on PostgreSQL send /captains to the bot instead")
        return 0
    try:
        added = added_captains_in_file(database)
    except sqlite3.Error as error:
        print(f"✗ cannot read {database}: {error}", file=sys.stderr)
        return 1
    if not added:
        print(f"  i {database}: no captains added from Telegram")
        return 0
    for captain in added:
        spec = config.building(captain.building)
        where = spec.name if spec else f"{captain.building} (not in this file: not served)"
        print(
            f"  + captain {captain.user_id} of {where}: added from Telegram by "
            f"{captain.added_by} on {captain.added_at:%Y-%m-%d}"
        )
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from bot.core.understanding import Catalogue, understand

    try:
        config = _load(args.config, demo_if_missing=True)
    except ConfigError as error:
        _print_problems(error, args.config)
        return 1
    catalogue = Catalogue.load(config.catalogue.items)
    out = sys.stdout
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        out.write(json.dumps(understand(text, catalogue).to_json(), ensure_ascii=False) + "\n")
    out.flush()
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.tools.console import run_console

    try:
        config = _load(args.config, demo_if_missing=True)
    except ConfigError as error:
        _print_problems(error, args.config)
        return 1
    at = None
    if args.at is not None:
        from bot.tools.console import parse_local_time

        try:
            at = parse_local_time(args.at, config.bot.timezone)
        except ValueError:
            print(
                f'✗ --at wants a local date and time like "2026-12-05 09:00", not {args.at!r}',
                file=sys.stderr,
            )
            return 2
    return asyncio.run(run_console(config, database=args.db, script=args.script, at=at))


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app.runner import run_bot

    try:
        config = load_config(args.config)
    except ConfigError as error:
        webhook_problems = [p for p in error.problems if p.path.startswith("webhook")]
        if args.webhook and webhook_problems:
            print(f"✗ jinlin run --webhook: {webhook_problems[0]}", file=sys.stderr)
            return 2
        _print_problems(error, args.config)
        return 1
    # The config may ask for JSON lines; a --log-format on the command line wins.
    from bot.core.log_redaction import setup_logging

    setup_logging(args.log_level or "INFO", args.log_format or config.logging.format)
    if args.monitoring_port is not None:
        config = config.model_copy(
            update={
                "monitoring": config.monitoring.model_copy(update={"port": args.monitoring_port})
            }
        )
    webhook = None
    if args.port is not None and not args.webhook:
        print("✗ jinlin run --port only applies with --webhook", file=sys.stderr)
        return 2
    if args.webhook:
        webhook = _webhook_launch(config, args.config)
        if webhook is None:
            return 2
        if args.port is not None:
            # Several workers on one machine share the config and differ only in their port.
            webhook = dataclasses.replace(webhook, port=args.port)
    try:
        token = config.token()
    except ConfigError as error:
        _print_problems(error, args.config)
        return 2
    if not token:
        print(
            "No Telegram token: set JINLIN_TOKEN (or JINLIN_TOKEN_FILE, or a systemd credential "
            "named token) or telegram.token in the config.\n"
            "To try Jinlin without Telegram, run: jinlin console",
            file=sys.stderr,
        )
        return 2
    try:
        database = args.db or config.database()
    except ConfigError as error:
        _print_problems(error, args.config)
        return 1
    return run_bot(
        config,
        token=token,
        database=database,
        config_path=args.config,
        webhook=webhook,
        serve_monitoring=True,
    )


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _port_or_zero(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535; 0: any free)")
    return int(text)


def _webhook_launch(config: Config, path: str) -> WebhookLaunch | None:
    """The [webhook] section and its secret, or None after saying in one line what is wrong."""
    from bot.app.webhook_mode import WebhookLaunch

    if config.webhook is None:
        print(
            f"✗ jinlin run --webhook: {path} has no [webhook] section "
            "(url, port, secret_token: see config.example.toml)",
            file=sys.stderr,
        )
        return None
    try:
        secret = config.webhook.secret()
    except ConfigError as error:
        print(f"✗ jinlin run --webhook: {error.problems[0]}", file=sys.stderr)
        return None
    return WebhookLaunch.from_config(config.webhook, secret)


def cmd_bench(args: argparse.Namespace) -> int:
    try:
        if args.what == "parse":
            from bot.bench import parse

            return parse.main(args.rest)
        if args.what == "load":
            from bot.bench import load

            return load.main(args.rest)
        if args.what == "workers":
            from bot.bench import workers

            return workers.main(args.rest)
    except ModuleNotFoundError as error:
        if error.name is None or not error.name.startswith(("bot.bench", "bot.telegram_sim")):
            raise
        print(
            "✗ the benchmarks are not installed: they come with a clone of the repository "
            "(./run bench …), not with `pip install jinlin`",
            file=sys.stderr,
        )
        return 1
    print(
        f"unknown benchmark {args.what!r}; try: jinlin bench parse | load | workers",
        file=sys.stderr,
    )
    return 2


def cmd_train(args: argparse.Namespace) -> int:
    from bot.core.understanding.train_command import run_train

    return run_train(args)


def cmd_schedule(args: argparse.Namespace) -> int:
    from bot.core.events.schedule import cmd_schedule as run_schedule

    return run_schedule(args)


def cmd_backup(args: argparse.Namespace) -> int:
    import sqlite3

    from bot.tools.backup import backup_file

    database = args.db
    if database is None:
        try:
            database = load_config(args.config).database()
        except ConfigError as error:
            _print_problems(error, args.config)
            return 1
    if is_postgres_url(database):
        print(
            "✗ jinlin backup copies a SQLite file; back up PostgreSQL with its own tools "
            "(pg_dump, or the server's replication)",
            file=sys.stderr,
        )
        return 1
    try:
        pages = backup_file(database, args.file)
    except (OSError, ValueError, sqlite3.Error) as error:
        print(f"✗ backup failed: {error}", file=sys.stderr)
        return 1
    print(f"✓ {database} backed up to {args.file} ({pages} pages)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from bot.tools.chat_import import cmd_import as run_import

    return run_import(args)


def cmd_migrate_db(args: argparse.Namespace) -> int:
    from bot.tools.migrate_db import cmd_migrate_db as run_migrate_db

    return run_migrate_db(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jinlin", description="近邻 Jinlin — neighbourly sharing for building group chats"
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="default: INFO for `run` (the lines an operator needs), WARNING for the tools",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        help='text (default) or json lines; `run` also reads [logging] format = "json"',
    )
    sub = parser.add_subparsers(dest="command", required=True)

    console = sub.add_parser("console", help="offline simulated building group in the terminal")
    console.add_argument("--config", help="admin config (default: a built-in demo building)")
    console.add_argument("--db", default=":memory:", help="SQLite file (default: in memory)")
    console.add_argument("--script", help="read console lines from this file instead of stdin")
    console.add_argument(
        "--at",
        metavar='"YYYY-MM-DD HH:MM"',
        help="start the simulated clock at this local time (bot.timezone; default: now)",
    )
    console.set_defaults(func=cmd_console)

    run = sub.add_parser(
        "run",
        help="run the Telegram bot (long polling, or --webhook)",
        description="Run the bot on Telegram. The token comes from JINLIN_TOKEN (or "
        "telegram.token); `jinlin check-config FILE` checks the config first.",
    )
    run.add_argument(
        "--config",
        required=True,
        metavar="FILE",
        help="the admin's config.toml (start from config.example.toml; every key is explained)",
    )
    run.add_argument(
        "--monitoring-port",
        type=_port_or_zero,
        metavar="PORT",
        help="serve /healthz and /metrics on this port (default: [monitoring] port; "
        "bound to [monitoring] listen, 127.0.0.1 unless set)",
    )
    run.add_argument(
        "--webhook",
        action="store_true",
        help="serve Telegram's webhook as set in the config's [webhook] (behind a proxy)",
    )
    run.add_argument(
        "--db", help="SQLite file or postgresql:// URL (default: from the config's [storage])"
    )
    run.add_argument(
        "--port",
        type=_port,
        help="with --webhook: listen on this port instead of webhook.port (one per worker)",
    )
    run.set_defaults(func=cmd_run)

    parse = sub.add_parser("parse", help="stdin lines -> one JSON object per line")
    parse.add_argument("--config", help="config whose catalogue additions to use")
    parse.set_defaults(func=cmd_parse)

    check = sub.add_parser("check-config", help="validate a config file")
    check.add_argument("file", nargs="?")
    check.add_argument("--config")
    check.add_argument(
        "--db", help="also list the captains admins added from Telegram in this SQLite file"
    )
    check.set_defaults(func=cmd_check_config)

    schedule = sub.add_parser("schedule", help="reminders of a period, one JSON object per line")
    schedule.add_argument("--config", required=True)
    schedule.add_argument("--from", dest="date_from", required=True, help="first day, 2026-12-01")
    schedule.add_argument("--to", dest="date_to", required=True, help="last day, 2027-12-31")
    schedule.add_argument("--db", help="also captains' events from this SQLite file")
    schedule.set_defaults(func=cmd_schedule)

    backup = sub.add_parser("backup", help="online copy of the database: jinlin backup FILE")
    backup.add_argument("file", help="where to write the copy")
    backup_source = backup.add_mutually_exclusive_group(required=True)
    backup_source.add_argument("--config", help="back up bot.database of this config")
    backup_source.add_argument("--db", help="the SQLite file to back up")
    backup.set_defaults(func=cmd_backup)

    imports = sub.add_parser("import", help="rebuild a group's open entries from a chat export")
    imports.add_argument("file", help="result.json of Telegram Desktop's chat export (JSON)")
    imports.add_argument("--group", type=int, required=True, help="the group's chat id")
    imports.add_argument("--config", help="admin config (default: the built-in demo)")
    imports.add_argument(
        "--db", help="SQLite file or postgresql:// URL (default: from the config's [storage])"
    )
    imports.add_argument("--bot-id", type=int, help="skip this sender (default: from the token)")
    imports.add_argument("--now", help="import as of this local date-time (rehearsals)")
    imports.set_defaults(func=cmd_import)

    migrate_db = sub.add_parser(
        "migrate-db", help="copy a SQLite district to PostgreSQL and verify every row"
    )
    migrate_db.add_argument("--from", dest="source", required=True, help="the SQLite file")
    migrate_db.add_argument("--to", dest="target", required=True, help="postgresql:// URL")
    migrate_db.add_argument(
        "--overwrite",
        action="store_true",
        help="make PostgreSQL an exact copy (only before the bot has run on it)",
    )
    migrate_db.set_defaults(func=cmd_migrate_db)

    train = sub.add_parser(
        "train",
        help="rebuild the intent model from corpus/ (deterministic: same corpus, same file)",
    )
    train.add_argument(
        "--with-corrections",
        action="store_true",
        help="also learn from the residents' corrections stored in the database (--config/--db)",
    )
    train.add_argument("--config", help="admin config whose database holds the corrections")
    train.add_argument("--db", help="SQLite file or postgresql:// URL holding the corrections")
    train.add_argument("--output", help="where to write the model (default: the shipped one)")
    train.add_argument(
        "--train-only",
        action="store_true",
        help="development: fit on the train split only, so validation scores stay honest",
    )
    train.add_argument(
        "--check",
        action="store_true",
        help="rebuild into a temporary file and say whether it equals the shipped model",
    )
    train.set_defaults(func=cmd_train)

    bench = sub.add_parser(
        "bench",
        help="benchmarks: jinlin bench parse | load | workers",
        description="Benchmarks. Each has its own options: jinlin bench parse --help.",
        epilog="parse: the parser's quality (intent F1, item recall…) and speed on the labelled "
        "corpus.  load: updates/s, introduction latency and memory of the real bot against "
        "the local Bot API stand-in, per ledger size.  workers: SQLite's single process "
        "against 1, 2, 4 PostgreSQL webhook workers on the same traffic.",
    )
    bench.add_argument("what", choices=("parse", "load", "workers"), help="which benchmark")
    bench.add_argument("rest", nargs=argparse.REMAINDER, help="its options (see its --help)")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `jinlin` console script."""
    from bot.core.log_redaction import setup_logging

    args = build_parser().parse_args(argv)
    # The tools print their own results; the bot's INFO lines would bury them (`run` sets
    # its own level once its config is read).
    setup_logging(args.log_level or "WARNING", args.log_format or "text")
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `jinlin schedule … | head`: the reader has what it wanted. Python would report the
        # pipe again while flushing stdout at exit, so stdout goes to /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
