"""Sharing by stage of an item's life: recording, matching, the line, hand-over, listings,
expiry. `SharingService` is the one facade the handlers call."""
