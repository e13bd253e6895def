"""The domain, pure: understanding, ledger rules, sharing, alerts, relay, captains, events.

No Telegram, no SQL driver: decisions come back as `Effects` (plain values) and storage is
reached only through the repository's `Tx`. `lint-imports` checks it (pyproject.toml).
"""
