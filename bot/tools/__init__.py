"""Operator tools: the offline console, chat-export import, migrate-db and backup."""
