"""Wiring: the `jinlin` command, build_application(), services, settings reload, run modes."""
