"""Repository queries for skills neighbours offer (bot/core/skills.py)."""

from __future__ import annotations

from storage.tx_base import TxBase


class SkillQueries(TxBase):
    async def offered_skills(
        self, *, building: str | None, community: str | None
    ) -> list[tuple[str, str]]:
        """(key, name as written) of the skills offered in a building or community, also
        those whose helper is busy with one neighbour right now (a skill is not used up)."""
        where = "building = ?" if building is not None else "community = ?"
        rows = await self._all(
            f"""SELECT canonical, item_name FROM entries WHERE {where}
                AND kind = 'offer' AND category = 'service'
                AND status IN ('available', 'reserved')
                ORDER BY id""",
            (building if building is not None else community,),
        )
        return [(str(r["canonical"]), str(r["item_name"])) for r in rows]
