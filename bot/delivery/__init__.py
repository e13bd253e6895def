"""Delivery: the outbox, Bot API calls, the sender process and Telegram's flood limits."""
