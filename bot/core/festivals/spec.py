"""EventSpec: how admins declare festivals in config.toml, validated with readable errors.

```toml
[[festivals]]
key = "chongyang"                        # stable id, [a-z0-9_]+; part of every reminder key
name = { zh = "重阳节敬老演出", en = "Double Ninth show for elders" }   # or one plain string
date = "农历九月初九"                     # anything parse_rule accepts: "重阳", "12-05",
                                         # "2026-12-05", "清明", "每月第一个周六", "lunar 8-15"
time = "15:00"                           # optional local start time; none = all-day event
place = { zh = "社区活动中心", en = "community centre" }   # optional
reminders = ["7d", "1d", "0d@09:00"]     # before the start; default ["1d"]. "0d@09:00" = on
                                         # the day at 09:00; "2h" = two hours before
targets = "all"                          # or { communities = ["..."] } or { buildings = ["..."] }
text = { zh = "欢迎带长辈参加", en = "Bring the elders along" }   # optional extra line
skip = [2027-10-08]                      # optional: occurrences that will not take place
```
Whether the named communities and buildings exist is checked by the settings layer,
which knows them; everything about dates, times and offsets is checked here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from bot.core.festivals.date_rules import DateRule
from bot.core.festivals.event import DEFAULT_REMINDERS, EventDef, LocalizedText
from bot.core.festivals.offsets import ReminderOffset, parse_offset
from bot.core.festivals.rule_text import parse_rule, parse_time


def _check_rule(text: str) -> str:
    parse_rule(text)  # RuleError is a ValueError: pydantic reports it at this key path
    return text.strip()


def _canonical_time(text: str) -> str:
    return f"{parse_time(text):%H:%M}"


def _canonical_offset(text: str) -> str:
    return str(parse_offset(text))


RuleText = Annotated[str, AfterValidator(_check_rule)]
TimeText = Annotated[str, AfterValidator(_canonical_time)]
OffsetText = Annotated[str, AfterValidator(_canonical_offset)]


class LocalizedTextSpec(BaseModel):
    """{ zh = "...", en = "..." }; at least one of them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str | None = Field(default=None, min_length=1)
    en: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_language(self) -> LocalizedTextSpec:
        if not (self.zh or self.en):
            raise ValueError("需要 zh 或 en / needs zh or en")
        return self

    def to_text(self) -> LocalizedText:
        """The plain value the scheduler uses."""
        return LocalizedText(zh=self.zh, en=self.en)


def _text_kind(value: object) -> str:
    return "plain" if isinstance(value, str) else "localized"


# Discriminated unions so a mistake reports one error, not one per union member.
TextSpec = Annotated[
    Annotated[Annotated[str, Field(min_length=1)], Tag("plain")]
    | Annotated[LocalizedTextSpec, Tag("localized")],
    Discriminator(_text_kind),
]


def _to_text(value: str | LocalizedTextSpec) -> LocalizedText:
    # A plain string is what the admin wants shown in every group, whatever its language.
    return LocalizedText(zh=value, en=value) if isinstance(value, str) else value.to_text()


class CommunityTargets(BaseModel):
    """Post to every group of the listed communities."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    communities: list[str] = Field(min_length=1)


class BuildingTargets(BaseModel):
    """Post to the groups of the listed buildings."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    buildings: list[str] = Field(min_length=1)


def _target_kind(value: object) -> str:
    if isinstance(value, dict):
        return "buildings" if "buildings" in value else "communities"
    if isinstance(value, BuildingTargets):
        return "buildings"
    return "communities" if isinstance(value, CommunityTargets) else "all"


Targets = Annotated[
    Annotated[Literal["all"], Tag("all")]
    | Annotated[CommunityTargets, Tag("communities")]
    | Annotated[BuildingTargets, Tag("buildings")],
    Discriminator(_target_kind),
]


class EventSpec(BaseModel):
    """One `[[festivals]]` table of config.toml (see the module docstring for the shape)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z0-9_]+$", max_length=64)
    name: TextSpec
    date: RuleText
    time: TimeText | None = None
    place: TextSpec | None = None
    reminders: list[OffsetText] = Field(
        default_factory=lambda: [str(o) for o in DEFAULT_REMINDERS], min_length=1
    )
    targets: Targets = "all"
    text: TextSpec | None = None
    skip: list[dt.date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reminders_make_sense(self) -> EventSpec:
        if len(set(self.reminders)) != len(self.reminders):
            raise ValueError("reminders 有重复 / reminders has duplicates")
        start = self.start_time
        for offset in self.offsets:
            # An on-the-day reminder at or after the start would be posted too late.
            at = offset.at
            if start is not None and offset.days == 0 and at is not None and at >= start:
                raise ValueError(
                    f"当天提醒 {at:%H:%M} 不早于开始时间 {start:%H:%M} / "
                    f"on-the-day reminder {at:%H:%M} is not before the start "
                    f"{start:%H:%M}"
                )
        return self

    @property
    def rule(self) -> DateRule:
        """The parsed date rule."""
        return parse_rule(self.date)

    @property
    def start_time(self) -> dt.time | None:
        """The parsed local start time, if any."""
        return parse_time(self.time) if self.time else None

    @property
    def offsets(self) -> tuple[ReminderOffset, ...]:
        """The parsed reminder offsets, in the order written."""
        return tuple(parse_offset(r) for r in self.reminders)

    def to_event(self) -> EventDef:
        """The scheduler's view of this festival."""
        return EventDef(
            key=self.key,
            name=_to_text(self.name),
            rule=self.rule,
            start_time=self.start_time,
            reminders=self.offsets,
            place=_to_text(self.place) if self.place is not None else None,
            text=_to_text(self.text) if self.text is not None else None,
            skip_dates=frozenset(self.skip),
        )


def _unique_keys(specs: list[EventSpec]) -> list[EventSpec]:
    seen: set[str] = set()
    for spec in specs:
        if spec.key in seen:
            raise ValueError(f"festival key {spec.key!r} 重复 / is used twice")
        seen.add(spec.key)
    return specs


# The type for `festivals: FestivalList = []` in the settings model: keys must be unique
# because they identify reminders already sent.
FestivalList = Annotated[list[EventSpec], AfterValidator(_unique_keys)]


class FestivalsConfig(BaseModel):
    """Just the `[[festivals]]` part of config.toml, for validating it on its own."""

    model_config = ConfigDict(extra="ignore")
    festivals: FestivalList = Field(default_factory=list)
