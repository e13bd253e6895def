"""Real processes and sockets: `jinlin run`, webhooks, the sender child, the Bot API stand-in."""
