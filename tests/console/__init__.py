"""`jinlin console`, `import`, `schedule` and `check-config` as an admin or a new user runs them."""
