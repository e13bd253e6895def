"""Skills neighbours offer (理发, 修水管, 法律咨询) and requests for a service (issue 17).

A skill is kept in the item ledger as an entry of category `service` whose key is
"service:<skill>": the relayed chat, the giver's yes/no, /mine, expiry and /forgetme all work
on ledger entries already, and no item key ever starts with "service:", so item matching and
the group digest never mix the two (bot/core/sharing/ledger_rules.py:is_service). A skill is
not used up by helping once: a hand-over leaves it offered (`offer_after`).
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bot.core.config import GroupSpec
from bot.core.effects import Effects, SendMessage
from bot.core.i18n import reader_language, say
from bot.core.membership import FRESH
from bot.core.redaction import redact
from bot.core.sharing.ledger_rules import SERVICE_CATEGORY, SERVICE_PREFIX
from bot.core.sharing.model import GroupMessage, Resident, UserError
from bot.core.understanding import Parsed, ParsedItem
from storage.repository import Tx

if TYPE_CHECKING:
    from bot.core.sharing.service import SharingService

logger = logging.getLogger(__name__)

_DATA = Path(__file__).parent / "data" / "skills.toml"
# As long as an item's name may be (bot/core/sharing/recording.py:ITEM_NAME_LIMIT).
SKILL_NAME_LIMIT = 64
Kind = Literal["offer", "request"]


@dataclass(frozen=True)
class Skill:
    """A skill as a resident named it: its key (a vocabulary key, or the words normalised)."""

    key: str
    name: str
    known: bool

    def item(self) -> ParsedItem:
        """The ledger item for this skill (a service, never an item)."""
        return ParsedItem(
            name=self.name,
            canonical=SERVICE_PREFIX + self.key,
            category=SERVICE_CATEGORY,
            known=False,
        )


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


class SkillVocabulary:
    """The common services in both languages, and the words that mean each."""

    def __init__(self, skills: dict[str, dict[str, object]]) -> None:
        self._names: dict[str, dict[str, str]] = {}
        self._words: dict[str, str] = {}
        for key, spec in skills.items():
            self._names[key] = {"zh": str(spec["zh"]), "en": str(spec["en"])}
            words = spec.get("words", [])
            assert isinstance(words, list)
            for word in (spec["zh"], spec["en"], *words):
                normal = _normal(str(word))
                other = self._words.setdefault(normal, key)
                if other != key:
                    # Like the item catalogue: an ambiguous word is a mistake in the data file.
                    raise ValueError(f"skill word {word!r} means both {other} and {key}")
        # Longest first: "leaking tap" (plumbing) before "tap"; "修水管" before "水管".
        self._by_length = sorted(self._words, key=len, reverse=True)

    @classmethod
    def from_file(cls, path: Path = _DATA) -> SkillVocabulary:
        with path.open("rb") as file:
            return cls(tomllib.load(file))

    def resolve(self, text: str) -> Skill | None:
        """The skill `text` names: a known one if a word of it is in the vocabulary, else the
        words as written; None for nothing usable (empty, or too long to be a skill's name)."""
        normal = _normal(text)
        if not normal:
            return None
        if normal in self._words:
            return Skill(self._words[normal], text.strip(), True)
        for word in self._by_length:
            if _contains(normal, word):
                key = self._words[word]
                return Skill(key, self._names[key]["zh" if _is_chinese(text) else "en"], True)
        if len(normal) > SKILL_NAME_LIMIT:
            return None
        return Skill(normal, text.strip(), False)

    def display(self, key: str, lang: str) -> str | None:
        """A known skill's name in `lang` ("zh" for every Chinese reading), else None."""
        names = self._names.get(key)
        if names is None:
            return None
        return names["en" if lang == "en" else "zh"]


def _is_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def _contains(text: str, word: str) -> bool:
    """`word` in `text`; a Latin word only as a whole word ("tap" is not in "taps up")."""
    if _is_chinese(word):
        return word in text
    return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) is not None


@cache
def vocabulary() -> SkillVocabulary:
    """The shipped vocabulary, read once."""
    return SkillVocabulary.from_file()


def skill_names(
    keys_and_names: list[tuple[str, str]], vocab: SkillVocabulary, lang: str
) -> list[str]:
    """The distinct skills of a listing, each named once (in `lang` when known)."""
    seen: dict[str, str] = {}
    for key, name in keys_and_names:
        seen.setdefault(key, vocab.display(key, lang) or name)
    return sorted(seen.values())


class Skills:
    """/skill, /needhelp and /skills: recorded in the ledger, matched privately."""

    def __init__(self, sharing: SharingService, vocab: SkillVocabulary | None = None) -> None:
        self.sharing = sharing
        self.vocab = vocab or vocabulary()

    async def record(
        self, tx: Tx, who: Resident, kind: Kind, args: str, msg: GroupMessage | None
    ) -> Effects:
        """A skill offered or a service asked for, in a group (`msg`) or privately."""
        sharing = self.sharing
        if not args.strip():
            raise UserError("skill_usage" if kind == "offer" else "needhelp_usage")
        skill = self.vocab.resolve(args)
        if skill is None:
            raise UserError("skill_name_too_long")
        now = sharing.clock.now()
        if msg is not None:
            group = sharing.config.group(msg.chat_id)
            if group is None:
                raise UserError("use_in_group")
            await tx.save_user(sharing.profile(who, home_chat_id=group.chat_id), now)
        else:
            found = await self._home_group(tx, who)
            if found is None:
                raise UserError("private_no_building")
            group = found
            await tx.save_user(sharing.profile(who), now)
        parsed = Parsed(text=args, intent=kind, items=(skill.item(),))
        before = {e.id for e in await tx.open_entries_of(who.user_id)}
        recorded = await sharing.record_from_private(tx, who, group, parsed)
        added = [e for e in await tx.open_entries_of(who.user_id) if e.id not in before]
        logger.info("skills: user %s %s %s (%s)", who.user_id, kind, skill.key, len(added))
        effects = Effects()
        setting = reader_language(who, sharing.config.group_language(group.chat_id))
        name = redact(self.vocab.display(skill.key, setting) or skill.name)
        if added:
            key = "skill_offered" if kind == "offer" else "skill_needed"
            effects.add(SendMessage(who.user_id, say(setting, key, skill=name)))
            if msg is not None:
                # In the group only that it was noted: who can help is settled privately.
                effects.add(
                    SendMessage(
                        chat_id=msg.chat_id,
                        text=say(
                            sharing.config.group_language(msg.chat_id),
                            "skill_group_noted_offer"
                            if kind == "offer"
                            else "skill_group_noted_need",
                        ),
                        reply_to=msg.message_id,
                        thread_id=msg.thread_id,
                        optional=True,
                    )
                )
        else:
            effects.add(SendMessage(who.user_id, say(setting, "skill_already", skill=name)))
        effects.extend(recorded)
        return effects

    async def listing(self, tx: Tx, who: Resident, chat_id: int, private: bool) -> Effects:
        """/skills: the skills offered where the resident lives, names only."""
        sharing = self.sharing
        group = None if private else sharing.config.group(chat_id)
        if private:
            group = await self._home_group(tx, who)
            if group is None:
                raise UserError("private_no_building")
        elif group is None:
            raise UserError("use_in_group")
        assert group is not None
        community = sharing.config.community_of_group(group)
        whole = group.building is None or sharing.config.scope_for(community) == "community"
        offered = [
            (canonical.removeprefix(SERVICE_PREFIX), name)
            for canonical, name in await tx.offered_skills(
                building=None if whole else group.building, community=community
            )
        ]
        setting = (
            reader_language(who, sharing.config.group_language(group.chat_id))
            if private
            else sharing.config.group_language(chat_id)
        )
        names = skill_names(offered, self.vocab, setting)
        if not names:
            body = say(setting, "skills_empty")
        else:
            lines = (f"• {escape(redact(n))}" for n in names)  # residents' words, in HTML
            body = say(setting, "skills_header") + "\n" + "\n".join(lines)
        effects = Effects()
        effects.add(SendMessage(chat_id, body))
        return effects

    async def _home_group(self, tx: Tx, who: Resident) -> GroupSpec | None:
        """The configured group the resident lives by (their home group first), if any."""
        config = self.sharing.config
        chats = await tx.groups_of_member(who.user_id, self.sharing.clock.now() - FRESH)
        user = await tx.user(who.user_id)
        if user is not None and user.home_chat_id in chats:
            return config.group(user.home_chat_id)
        return next((g for c in chats if (g := config.group(c)) is not None), None)
