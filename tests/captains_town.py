"""A two-building town for captain/admin/privacy stories: Cathy captains b3, Wang b5,
Ada is the admin (only through the config; none of them is special to Telegram)."""

from __future__ import annotations

from typing import Any

from tests.harness import BUILDING_CONFIG, Building, make_config

ADMIN_ID = 9100
WANG_ID = 9002


class Town(Building):
    def __init__(
        self, config_text: str = BUILDING_CONFIG, *, database: str | None = None, **bot: Any
    ) -> None:
        bot.setdefault("admins", [ADMIN_ID])
        super().__init__(make_config(config_text, **bot), database=database)
        self.wang = self.world.add_user(WANG_ID, "Wang", language_code="zh")
        self.ada = self.world.add_user(ADMIN_ID, "Ada", language_code="en")
        self.g5.statuses[self.wang.id] = "member"
        self.opened_bot(self.captain, self.wang, self.ada)

    @property
    def services(self) -> Any:
        return self.app.bot_data.require()

    async def audit(self) -> list[Any]:
        async with self.services.repo.transaction() as tx:
            return list(reversed(await tx.audit_log()))
