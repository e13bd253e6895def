"""Intake: updates from Telegram into the bot: long polling, the webhook server, the inbox
worker that applies stored updates, and which worker leads the timed jobs."""
