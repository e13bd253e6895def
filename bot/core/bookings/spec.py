"""Shared spaces and community-owned things as the admin declares them in config.toml.

```toml
[[resources]]
key = "activity_room"                     # stable id: a-z, 0-9, _ (a letter first), ≤ 24
name = { zh = "活动室", en = "Activity room" }
kind = "space"                            # "space" (booked by the slot) or "thing" (borrowed)
where = { zh = "3号楼一层", en = "Building 3, ground floor" }
community = "sunny"                       # residents of this community may book …
buildings = ["b3", "b5"]                  # … or only of these buildings
hours = { all = "08:00-21:00", sun = "14:00-18:00" }   # per weekday; "closed"; a list
                                          # "08:00-12:00,14:00-18:00"; "19:00-07:00" runs
                                          # past midnight
holidays = [{ date = "春节", hours = "closed" }]     # the festival rules of [[festivals]]
slot_minutes = 60
ahead_days = 7                            # how far ahead a slot may be booked
weekly_hours = 2                          # per resident and week (none: no limit)
approval = false                          # a captain approves each booking
keeper = 9001                             # things: who hands it out and takes it back
remind_minutes = 60                       # before a booking starts and before a return
check_in = false                          # spaces: "I'm here" at the start, or the slot is
check_in_grace_minutes = 15               # released as a no-show after this long
teams = ["安全巡查"]                        # volunteer teams whose members may book too
```
Which communities and buildings exist is checked by the config layer, which knows them.
"""

from __future__ import annotations

import re
from datetime import time
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.core.festivals import parse_rule
from bot.core.festivals.spec import LocalizedTextSpec

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
CLOSED = "closed"

# One opening interval in local wall-clock minutes from the day's midnight; an end past
# 24*60 runs into the next day (a parking space shared at night).
Span = tuple[int, int]


def parse_hours(text: str) -> tuple[Span, ...]:
    """ "08:00-12:00,14:00-21:00" -> ((480, 720), (840, 1260)); "closed" -> (); ValueError."""
    text = text.strip().lower()
    if text in (CLOSED, "关闭", "不开放"):
        return ()
    spans: list[Span] = []
    for part in text.replace("，", ",").split(","):
        match = _SPAN.match(part.strip())
        if match is None:
            raise ValueError(f"'{part.strip()}' is not opening hours like 08:00-21:00 or closed")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(f"'{part.strip()}' has a time that does not exist")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end == start:
            raise ValueError(f"'{part.strip()}' opens and closes at the same time")
        if end < start:  # past midnight: closes the next morning
            end += 24 * 60
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in pairwise(spans):
        if start < end:
            raise ValueError(f"'{text}' has opening times that overlap")
    return tuple(spans)


def _hours_text(value: str) -> str:
    parse_hours(value)
    return value.strip()


HoursText = Annotated[str, AfterValidator(_hours_text)]


def _rule_text(value: str) -> str:
    parse_rule(value)  # RuleError is a ValueError: reported at this key's path
    return value.strip()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HolidayHours(_Model):
    """Opening hours on the days a festival rule names (春节, 国庆, 2026-12-05 …)."""

    date: Annotated[str, AfterValidator(_rule_text)]
    hours: HoursText = CLOSED


class ResourceSpec(_Model):
    """One bookable space or borrowable thing (see the module docstring for the shape)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=24)
    name: LocalizedTextSpec
    kind: Literal["space", "thing"] = "space"
    where: LocalizedTextSpec | None = None
    community: str | None = None
    buildings: list[str] = []
    # Volunteer teams (by name) whose members may book too, wherever they live: the patrol
    # borrows the community's torch though none of them lives in building 3.
    teams: list[str] = []
    hours: dict[str, HoursText] = Field(min_length=1)
    holidays: list[HolidayHours] = []
    slot_minutes: int = Field(60, ge=15, le=24 * 60)
    ahead_days: int = Field(7, ge=0, le=90)
    weekly_hours: float | None = Field(None, gt=0, le=24 * 7)
    approval: bool = False
    keeper: int | None = Field(None, gt=0)
    remind_minutes: int = Field(60, ge=0, le=24 * 60)
    # A freed slot offered to the first neighbour waiting is theirs to take for this long.
    offer_minutes: int = Field(30, ge=5, le=24 * 60)
    # Spaces only: a booking nobody checks in to within the grace minutes goes to the
    # neighbours waiting and counts as a no-show (things have their keeper for that).
    check_in: bool = False
    check_in_grace_minutes: int = Field(15, ge=1, le=24 * 60)

    @field_validator("hours")
    @classmethod
    def _weekdays(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key not in ("all", *WEEKDAY_KEYS):
                raise ValueError(
                    f"unknown day '{key}' (use all, mon, tue, wed, thu, fri, sat, sun)"
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ResourceSpec:
        if self.community is None and not self.buildings:
            raise ValueError("say who may book: set community or buildings")
        if self.kind == "thing" and self.check_in:
            raise ValueError("check_in is for spaces: a thing's keeper records who came")
        if self.kind == "thing" and self.keeper is None:
            raise ValueError("a thing needs a keeper (the Telegram user id who hands it out)")
        if "all" not in self.hours and set(WEEKDAY_KEYS) - set(self.hours):
            missing = ", ".join(d for d in WEEKDAY_KEYS if d not in self.hours)
            raise ValueError(f'hours says nothing for {missing}: add all = "…" or those days')
        for key, text in self.hours.items():
            for start, end in parse_hours(text):
                if (end - start) < self.slot_minutes:
                    raise ValueError(
                        f"hours.{key} '{text}' is shorter than one slot ({self.slot_minutes} min)"
                    )
        return self

    def weekday_hours(self, weekday: int) -> tuple[Span, ...]:
        """The opening spans of a weekday (0 = Monday)."""
        text = self.hours.get(WEEKDAY_KEYS[weekday], self.hours.get("all", CLOSED))
        return parse_hours(text)

    def display_name(self, lang: str) -> str:
        return (
            (self.name.zh if lang == "zh" else self.name.en) or self.name.zh or self.name.en or ""
        )

    def display_where(self, lang: str) -> str:
        if self.where is None:
            return ""
        return (self.where.zh if lang == "zh" else self.where.en) or self.where.zh or ""


def _unique(specs: list[ResourceSpec]) -> list[ResourceSpec]:
    seen: set[str] = set()
    for spec in specs:
        if spec.key in seen:
            raise ValueError(f"resource key '{spec.key}' is used twice")
        seen.add(spec.key)
    return specs


ResourceList = Annotated[list[ResourceSpec], AfterValidator(_unique)]


def resource_references(
    resources: list[dict[str, object]], communities: list[object], buildings: list[object]
) -> list[tuple[str, str]]:
    """(path, message) for every community or building a resource names that does not exist."""
    problems: list[tuple[str, str]] = []
    for i, resource in enumerate(resources):
        community = resource.get("community")
        if isinstance(community, str) and community not in communities:
            problems.append((f"resources[{i}].community", f"unknown community '{community}'"))
        listed = resource.get("buildings")
        for j, key in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(key, str) and key not in buildings:
                problems.append((f"resources[{i}].buildings[{j}]", f"unknown building '{key}'"))
    return problems


def opening_time(minutes: int) -> time:
    """A span's minute of the day as a time (24:00 and beyond wrap)."""
    minutes %= 24 * 60
    return time(minutes // 60, minutes % 60)
