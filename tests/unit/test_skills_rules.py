"""Skills and service requests as pure rules: which skill a resident's words name, that a
skill never shares a key with an item, and that helping once does not use a skill up."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.sharing.ledger_rules import SERVICE_CATEGORY, is_service, offer_after
from bot.core.sharing.vocabulary import OfferStatus
from bot.core.skills import SkillVocabulary, skill_names, vocabulary
from bot.core.understanding import Catalogue
from storage.records import Entry

pytestmark = pytest.mark.no_storage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("理发", "haircut"),
        ("剪头发", "haircut"),
        ("Haircut", "haircut"),
        ("我会修水管，有需要的邻居找我", "plumbing"),
        ("fix a leaking tap", "plumbing"),
        ("法律咨询", "legal"),
        ("need a lawyer for my lease", "legal"),
        ("陪诊", "hospital_escort"),
        ("someone to accompany to hospital on Friday", "hospital_escort"),
        ("辅导作业", "tutoring"),
        ("counseling", "counselling"),
        ("教用手机", "computer"),
    ],
)
def test_common_services_are_recognised_in_both_languages(written, key):
    skill = vocabulary().resolve(written)
    assert skill is not None and skill.known and skill.key == key


def test_a_skill_named_in_chinese_is_shown_by_its_chinese_name_and_english_by_english():
    assert vocabulary().resolve("我会修水管，有需要的邻居找我").name == "修水管"  # type: ignore[union-attr]
    assert vocabulary().resolve("fix a leaking tap").name == "plumbing"  # type: ignore[union-attr]


def test_an_unknown_skill_is_kept_as_written_and_matches_the_same_words_however_spaced():
    first = vocabulary().resolve("Knitting  lessons")
    again = vocabulary().resolve("knitting lessons ")
    assert first is not None and not first.known and first.name == "Knitting  lessons"
    assert again is not None and again.key == first.key == "knitting lessons"


def test_a_latin_word_counts_only_as_a_whole_word():
    # "pipe" is plumbing; "bagpipes lessons" is not.
    skill = vocabulary().resolve("bagpipes lessons")
    assert skill is not None and not skill.known


def test_nothing_or_an_essay_is_not_a_skill():
    assert vocabulary().resolve("   ") is None
    assert vocabulary().resolve("x" * 65) is None


def test_a_word_meaning_two_skills_is_refused_when_the_vocabulary_is_read():
    with pytest.raises(ValueError, match="means both"):
        SkillVocabulary(
            {
                "repair": {"zh": "维修", "en": "repairs", "words": ["fix"]},
                "plumbing": {"zh": "修水管", "en": "plumbing", "words": ["fix"]},
            }
        )


def test_no_skill_key_is_an_item_key_so_items_and_services_never_match():
    catalogue = Catalogue.load()
    skill = vocabulary().resolve("修电脑")
    assert skill is not None
    item = skill.item()
    assert item.category == SERVICE_CATEGORY
    computer_item = catalogue.lookup("电脑")
    offered = catalogue.offer_keys(item)
    assert catalogue.request_key(item) in offered
    if computer_item is not None:  # the catalogue may list a computer as a thing to lend
        assert catalogue.request_key(computer_item) not in offered
        assert catalogue.request_key(item) not in catalogue.offer_keys(computer_item)


def test_listing_names_each_skill_once_in_the_readers_language():
    offered = [("haircut", "理发"), ("haircut", "haircut"), ("knitting", "knitting")]
    assert skill_names(offered, vocabulary(), "en") == ["haircut", "knitting"]
    assert skill_names(offered, vocabulary(), "zh") == ["knitting", "理发"]


def _skill_offer(held: float) -> Entry:
    return Entry(
        id=1, kind="offer", status="reserved" if held else "available", user_id=7, chat_id=-100,
        message_id=None, building="b3", community="garden", item_name="理发",
        canonical="service:haircut", category=SERVICE_CATEGORY, medical=False, urgent=False,
        quantity=None, unit=None, remaining=1.0, held=held, text="理发", created_at=NOW,
        expires_at=NOW + timedelta(days=14), nudged_at=None, closed_at=None,
    )  # fmt: skip


def test_helping_once_does_not_use_a_skill_up_but_an_item_is_given_away():
    skill = _skill_offer(held=1.0)
    assert is_service(skill)
    after = offer_after(skill, given=1.0)
    assert after.status == OfferStatus.AVAILABLE and after.remaining == 1.0 and after.held == 0
    item = replace(skill, category=None, canonical="ladder", item_name="ladder")
    assert offer_after(item, given=1.0).status == OfferStatus.GIVEN
