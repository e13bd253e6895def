"""The `[volunteers]` section of the config: teams, the points rule, reminders (pure)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamSpec(_Strict):
    """A standing team the admin sets up, for one building or a whole community."""

    name: str = Field(min_length=1, max_length=40)
    building: str | None = None
    community: str | None = None

    @model_validator(mode="after")
    def _one_place(self) -> TeamSpec:
        if (self.building is None) == (self.community is None):
            raise ValueError("set exactly one of 'building' or 'community'")
        return self

    @property
    def scope(self) -> str:
        return f"b:{self.building}" if self.building is not None else f"c:{self.community}"


class PointsRule(_Strict):
    """How a community counts service points (按时长、次数积分)."""

    # Per full half hour of a confirmed shift (a 2-hour shift: 4 half hours).
    per_half_hour: int = Field(1, ge=0, le=100)
    # Per confirmed shift, whatever its length.
    per_shift: int = Field(0, ge=0, le=1000)
    # Added for a duty the captain marked urgent ("急" / "urgent").
    urgent_bonus: int = Field(0, ge=0, le=1000)
    # Per completed hand-over of a shared item, to the giver (0: hand-overs earn nothing).
    per_handover: int = Field(0, ge=0, le=1000)


class VolunteersSection(_Strict):
    teams: list[TeamSpec] = []
    points: PointsRule = PointsRule()
    # A community's own rule, by community key; others use `points`.
    community_points: dict[str, PointsRule] = {}
    # Volunteers are reminded privately the evening before at this time ("" : not) …
    remind_evening_before: str = "20:00"
    # … and this many hours before the shift (0: not). Quiet hours (bot.quiet_hours) move a
    # reminder to their end, or drop it if the shift starts by then.
    remind_hours_before: int = Field(2, ge=0, le=48)
    # Points and finished duties are kept this long: a year's export needs a year.
    retention_days: int = Field(400, ge=30, le=3650)

    @field_validator("remind_evening_before")
    @classmethod
    def _time(cls, value: str) -> str:
        if value and not _HHMM.match(value.strip()):
            raise ValueError(f"'{value}' is not a time of day like 20:00 (or \"\" for none)")
        return value.strip()

    def rule_for(self, community: str | None) -> PointsRule:
        """The points rule of a community (its own, else the default)."""
        if community is not None and community in self.community_points:
            return self.community_points[community]
        return self.points


def volunteer_problems(
    section: VolunteersSection, buildings: list[str], communities: list[str]
) -> list[tuple[str, str]]:
    """(path, problem) for teams and rules naming places the config does not have."""
    problems = []
    for i, team in enumerate(section.teams):
        if team.building is not None and team.building not in buildings:
            problems.append(
                (f"volunteers.teams[{i}].building", f"unknown building '{team.building}'")
            )
        if team.community is not None and team.community not in communities:
            problems.append(
                (f"volunteers.teams[{i}].community", f"unknown community '{team.community}'")
            )
    for key in section.community_points:
        if key not in communities:
            problems.append((f"volunteers.community_points.{key}", f"unknown community '{key}'"))
    return problems
