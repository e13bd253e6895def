"""The repository and its migrations, on SQLite and PostgreSQL: schema, dialect, inbox, workers."""
