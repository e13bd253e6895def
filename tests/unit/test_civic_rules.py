"""Pure rules of awards and deliberations: periods, the /deliberate line, counting, who may
nominate whom."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.civic.rules import (
    CivicRefusal,
    Vote,
    describe_period,
    nomination_refusal,
    parse_deliberate,
    parse_period,
    period_of,
    periods_within,
    previous_period,
    tally,
    valid_choice,
)
from bot.core.civic.vocabulary import (
    AwardAction,
    award_data,
    ballot_data,
    read_award_press,
    read_ballot_press,
)

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
ZONE = "Asia/Shanghai"


def test_periods_by_month_and_year():
    assert period_of(date(2026, 11, 30), "month") == "2026-11"
    assert period_of(date(2026, 11, 30), "year") == "2026"
    assert previous_period(date(2026, 1, 1), "month") == "2025-12"
    assert previous_period(date(2026, 1, 1), "year") == "2025"
    assert parse_period("2026-1") == "2026-01"
    assert parse_period("２０２６-１１") == "2026-11"  # full-width digits from a phone keyboard
    assert periods_within("2026")[1:3] == ("2026-01", "2026-02")
    assert describe_period("2026-11", "zh") == "2026年11月"
    assert describe_period("2026-11", "en") == "November 2026"
    for bad in ("2026-13", "Nov", "26-11"):
        with pytest.raises(CivicRefusal):
            parse_period(bad)


def test_who_may_nominate_whom():
    assert nomination_refusal(1, 2, False, "b3") is None
    assert nomination_refusal(1, 1, False, "b3") == "nominate_not_self"
    assert nomination_refusal(1, 2, True, "b3") == "nominate_not_bot"
    assert nomination_refusal(1, None, False, "b3") == "nominate_who"
    assert nomination_refusal(1, 2, False, None) == "nominate_unknown_building"


def test_the_deliberate_line_with_options_closing_time_and_secret_ballot():
    request = parse_deliberate(
        "是否在楼道安装感应灯？ | 同意 | 反对 | 弃权 --closes 2026-12-10 18:00 --anonymous",
        NOW,
        ZONE,
        "zh",
        max_days=30,
    )
    assert request.question == "是否在楼道安装感应灯？"
    assert request.options == ("同意", "反对", "弃权")
    assert request.anonymous
    assert request.closes_at == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)  # 18:00 local


def test_a_secret_ballot_in_either_script_and_full_width_separators():
    for flag in ("--不記名", "--不记名", "--匿名", "--Anonymous"):
        request = parse_deliberate(f"換電梯？｜贊成｜反對 {flag}", NOW, ZONE, "zh", max_days=30)
        assert request.anonymous and request.options == ("贊成", "反對")
        assert request.question == "換電梯？"


def test_the_deliberate_line_defaults_and_mistakes():
    plain = parse_deliberate("Paint the door?", NOW, ZONE, "en", max_days=30)
    assert plain.options == ("Agree", "Disagree", "Abstain")
    assert not plain.anonymous
    mistakes = {
        "Paint? | Yes": "deliberate_two_options",
        "Paint? | Yes | yes": "deliberate_same_options",
        "Paint? --closes 2026-12-01 10:05": "deliberate_closes_soon",
        "Paint? --closes 2027-03-01": "deliberate_closes_late",
        "Paint? --closes tomorrow": "deliberate_bad_close",
        "Paint? --closes 2026-12-05 25:00": "deliberate_bad_close",
        "Paint? --secretly": "deliberate_unknown_flag",
        " | Yes | No": "deliberate_usage",
        "Q? | " + " | ".join(str(n) for n in range(11)): "deliberate_many_options",
    }
    for line, key in mistakes.items():
        with pytest.raises(CivicRefusal) as refused:
            parse_deliberate(line, NOW, ZONE, "en", max_days=30)
        assert refused.value.key == key, line


def test_counting_keeps_each_residents_vote_once_and_says_how_many_were_ignored():
    votes = [
        Vote(1, (0,), True),
        Vote(2, (0,), True),
        Vote(3, (1,), True),
        Vote(4, (1,), False),  # not a resident
        Vote(5, (1,), False),
        Vote(6, (), True),  # took the vote back
        Vote(7, (9,), True),  # an option that does not exist
    ]
    result = tally(3, votes)
    assert result.totals == (2, 1, 0)
    assert result.counted == 3 and result.ignored == 2
    assert result.leaders() == (0,)
    assert tally(2, [Vote(1, (0,), True), Vote(2, (1,), True)]).leaders() == (0, 1)
    assert tally(2, []).leaders() == ()


def test_a_ballot_takes_one_option_of_the_question():
    assert valid_choice(3, (2,)) and valid_choice(3, ())
    assert not valid_choice(3, (3,)) and not valid_choice(3, (0, 1))


def test_button_codecs_round_trip_and_refuse_strangers():
    assert read_award_press(award_data(AwardAction.ACCEPT, 12)) is not None
    assert read_award_press("gn:x:1") is None
    press = read_ballot_press(ballot_data(7, 2))
    assert press is not None and (press.deliberation_id, press.option) == (7, 2)
    assert read_ballot_press("dl:v:7") is None
    assert len(ballot_data(999_999_999_999, 9).encode()) <= 64


@pytest.mark.parametrize(
    "line",
    [
        "装不装感应灯？1102室的意见最大 | 装 | 不装",
        "Move the bins? | yes, near flat 12 | no",
        "要不要换门禁？有问题打 13812345678 | 换 | 不换",
    ],
)
def test_a_deliberation_naming_a_door_or_a_phone_is_refused_before_the_group_sees_it(line):
    with pytest.raises(CivicRefusal) as refused:
        parse_deliberate(line, NOW, ZONE, "zh", max_days=30)
    assert refused.value.key == "deliberate_contact_details"
