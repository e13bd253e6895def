"""How often Jinlin may speak in one group: a pure sliding-window rule with an injected clock.

Telegram allows a bot about 20 messages a minute in one group, but residents mute a group
long before that. So Jinlin keeps its own, much smaller budget per group: within it, every
post goes out; beyond it, acknowledgements turn into a quiet reaction and other optional
posts are skipped. Essential posts (deep-link nudges that stand in for a private
introduction, captains' and admins' announcements) are always sent and still count.
Private messages are never subject to the budget.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

# Enough for a lively morning (a dozen offers/requests answered in words), little enough
# that a group never reads like the bot's own channel.
GROUP_POSTS_PER_HOUR = 12
WINDOW = timedelta(hours=1)

Decision = Literal["post", "quiet"]


@dataclass(frozen=True)
class BudgetRule:
    """At most `limit` bot posts per group within `window`."""

    limit: int = GROUP_POSTS_PER_HOUR
    window: timedelta = WINDOW


class GroupPostingBudget:
    """Remembers when Jinlin last posted in each group and decides about the next post."""

    def __init__(self, rule: BudgetRule | None = None) -> None:
        self.rule = rule or BudgetRule()
        self._posts: dict[int, deque[datetime]] = {}

    def decide(self, chat_id: int, now: datetime, *, essential: bool) -> Decision:
        """'post' (and count it) or 'quiet' (over budget and the post is optional)."""
        posts = self._posts.setdefault(chat_id, deque())
        horizon = now - self.rule.window
        while posts and posts[0] <= horizon:
            posts.popleft()
        if not essential and len(posts) >= self.rule.limit:
            return "quiet"
        posts.append(now)
        return "post"

    def used(self, chat_id: int, now: datetime) -> int:
        """Posts counted in the current window (for logs and tests)."""
        horizon = now - self.rule.window
        return sum(1 for t in self._posts.get(chat_id, ()) if t > horizon)
