"""The residents' corrections stored in a deployment's database, as training examples."""

from __future__ import annotations

import asyncio

from bot.core.understanding.intent_model import Label
from bot.core.understanding.training import Example


def load_corrections(*, config: str | None, db: str | None) -> list[Example]:
    """Every answered correction in the database named by --db or the config's database."""
    from bot.core.config import ConfigError, load_config
    from storage.repository import Repository

    if db is None:
        if config is None:
            raise ValueError("--with-corrections needs --config or --db (where they are stored)")
        try:
            db = load_config(config).database()
        except ConfigError as error:
            raise ValueError(f"{config}: {error.problems[0]}") from None

    from pathlib import Path

    from storage.driver import is_postgres_url

    if not is_postgres_url(db) and not Path(db).is_file():
        raise ValueError(f"no database at {db}")

    async def read() -> list[Example]:
        repo = await Repository.open(db)
        try:
            async with repo.transaction() as tx:
                rows = await tx.labelled_corrections()
        finally:
            await repo.close()
        return [
            Example(
                id=f"correction-{r.id}",
                lang="",
                text=r.text,
                label=Label(r.label),
                reply_to=r.reply_to_intent,
            )
            for r in rows
            if r.label is not None
        ]

    return asyncio.run(read())
