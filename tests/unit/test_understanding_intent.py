"""Offer, request or neither — fresh sentences in the style of building group chats."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.understanding import Catalogue, Parsed, understand

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


OFFERS = [
    # zh
    "我这有三盒布洛芬用不上，谁需要私聊",
    "我家有台闲置的加湿器，要的来拿",
    "有人需要婴儿床吗？孩子大了用不上了",
    "送一箱苹果，老家寄来的太多吃不完",
    "我有一把伸缩梯可以借",
    "我家猫粮买多了，还有两袋没开封，谁家有猫可以拿去",
    "家里有布洛芬和对乙酰氨基酚，邻居们有需要随时来拿",
    "家里做了很多饺子，有老人的邻居可以来拿点",
    "我们家那个婴儿床啊宝宝大了也睡不下了谁家要的话直接来搬就行",
    "我妈的助行器现在用不着了，谁家老人需要可以送",
    # zh-Hant / Cantonese
    "有冇人要BB車？免費送",
    "我有兩包口罩，有需要嘅街坊可以嚟攞",
    "我這邊有多的普拿疼，需要的鄰居可以來拿",
    "屋企有部抽濕機唔用，有冇人要",
    "我這有兩瓶酒精，需要嘅話出聲",
    "免費贈送兒童繪本一批，自取",
    "蒸了一锅馒头，邻居们来尝尝",
    "我有把梯可以借俾你哋",
    # en
    "I have a spare car seat if anyone needs one",
    "Giving away a box of diapers size 3, baby outgrew them",
    "Got 2 extra boxes of Kleenex, anyone want them?",
    "I've got a bunch of moving boxes if anyone wants them",
    "got some extra masks, lmk if u need any",
    "I need to get rid of a mini fridge, it's yours if you can carry it",
    "Happy to lend my pressure washer to anyone who needs it",
    "Have half a bag of dog food, our dog passed away 🐾",
    # mixed
    "我有一个 air fryer 不用了，谁要",
    "有人要 baby clothes 吗，0-6个月的",
    # more phrasings of giving
    "暖宝宝要不要？我这囤了好多",
    "谁家孩子需要课外书，我家有一箱",
    "Baby formula available — Similac Pro-Advance, 2 unopened tubs",
    "Leaving a box of kids books in the laundry room, take what you like",
    "FREE to a good home: 3 houseplants, need repotting",
    "Two bags of clothes for donation outside 2B, take anything",
    "Spare Tylenol here if anyone needs it",
]

REQUESTS = [
    # zh
    "家里有多的退烧药吗？孩子烧到38度5",
    "谁家有老花镜借我看个说明书",
    "求一个充电宝，出门忘带了",
    "有没有邻居家有电钻？想在墙上打两个孔",
    "孩子咳嗽得厉害，家里的止咳糖浆喝完了",
    "借两把折叠椅，周末家里来客人",
    "药店的布洛芬卖光了，谁家有的话能不能匀两片",
    "谁家有针线，扣子掉了",
    "有谁家有那种老人用的拐杖吗我爸腿脚不好出门想用一下",
    # zh-Hant / Cantonese
    "家裡的體溫計壞了，誰家有可以借一下嗎",
    "邊位街坊有萬托林？小朋友哮喘發作",
    "邊個可以借部輪椅俾我？阿媽扭親腳",
    "有冇人有鑽可以借？想釘幅畫",
    "誰有多的快篩可以分我一劑？明天要上班",
    "徵 嬰兒推車，短期借用一個月",
    "徵求血壓計，家中長輩要用",
    # en
    "Does anyone have a cordless drill I could borrow this weekend?",
    "Can someone lend me a wheelchair for a week? my grandma broke her ankle",
    "Looking for a step stool, just need it for an hour",
    "ISO kids Tylenol, my son has a fever",
    "need a ladder for 10 min, anyone?",
    "Lf a baby monitor to borrow for a few days",
    "Our dog food delivery is late, could someone spare a cup of kibble?",
    # mixed
    "有没有人有 Advil，头疼死了",
    "求借 extension cord，装圣诞灯",
    "anyone 有多的 AA 电池吗",
    # needs stated as facts
    "家里老人血压高，降压药快吃完了，谁家有硝苯地平",
    "If someone has a spare phone charger I'd be grateful",
    "who has a hammer I can borrow",
    "收一个二手婴儿车，有闲置的邻居联系我",
    "Anyone around with a cordless vacuum I can use for 5 mins?",
    "Any neighbor have a jump starter? car battery is dead",
    "Borrowing a drill for an hour would save my day",
    "my charger is gone, anyone have one?",
    "Out of eggs mid-recipe 😩 can anyone help a neighbor out?",
    "Is there anyone who can lend me a suit for an interview?",
    "Would love to borrow a pasta maker if anyone has one",
    "各位邻居，谁家有闲置的婴儿床可以借用几个月",
    "有空气炸锅的邻居吗？想借用一下",
]

NONE = [
    # chatter, greetings, notices
    "端午节快乐！",
    "今晚八点业主大会，请大家准时参加",
    "Happy Thanksgiving everyone!",
    "Heads up: water will be shut off tomorrow 9-12",
    "今日冬至，祝大家冬至快樂",
    # thanks and closed offers
    "昨天借的梯子还了，谢谢",
    "Thank you to whoever left the cookies!",
    "不好意思，口罩已经分完了",
    "Sorry, the ladder has been taken",
    "不用了，买到了，谢谢邻居们",
    # questions that ask for no item
    "请问菜市场几点开门",
    "有没有人知道哪里能买到N95",
    "Anyone know when the pool reopens?",
    "有人捡到一串钥匙吗",
    "有没有邻居可以帮忙收个快递",
    # selling and complaints
    "二手自行车出售，200元",
    "Selling my old couch, $50",
    "快递放门口被人拿走了，谁看到了",
    "楼道里的婴儿车是谁家的，堵路了",
    "求推荐一个靠谱的开锁师傅",
    "Can anyone recommend a good pediatrician nearby?",
    "有没有人一起拼单买水果",
    "家里的布洛芬给了3楼的阿姨，现在没有了",
    "唔使喇，搵到啦",
    "有冇人知邊度買到N95",
    "家里闲置一台婴儿推车，九成新，50元",
    "免费领取，扫码关注公众号",
    "楼下有人在发免费鸡蛋，快去",
    "Are you free to help me move a couch on Sunday?",
    "Found a set of keys in the lobby, DM me to claim",
    # items mentioned, nothing given or asked
    "Costco has Tylenol in stock today",
    "布洛芬又涨价了",
    "孩子吃了美林还是烧，怎么办",
    "退烧药吃完了还是不退烧，要去医院吗",
    "谁知道布洛芬和对乙酰氨基酚能不能一起吃",
    "我的电钻借出去了还没还回来，是哪位邻居借的",
    "Cat sitter needed this weekend",
]


@pytest.mark.parametrize("text", OFFERS)
def test_offers(catalogue: Catalogue, text: str) -> None:
    assert understand(text, catalogue).intent == "offer"


@pytest.mark.parametrize("text", REQUESTS)
def test_requests(catalogue: Catalogue, text: str) -> None:
    assert understand(text, catalogue).intent == "request"


@pytest.mark.parametrize("text", NONE)
def test_not_sharing(catalogue: Catalogue, text: str) -> None:
    assert understand(text, catalogue).intent == "none"


def test_a_reply_under_a_request_offers_what_was_asked(catalogue: Catalogue) -> None:
    asked = understand("谁家有美林？孩子发烧了", catalogue)
    for reply in ("我有", "我家有，你下来拿吧", "I have one"):
        parsed = understand(reply, catalogue, reply_to=asked)
        assert parsed.intent == "offer", reply
        assert "reply" in parsed.tags
        assert [i.canonical for i in parsed.items] == ["ibuprofen_children"]


def test_plus_one_under_a_request_is_me_too(catalogue: Catalogue) -> None:
    asked = understand("谁家有美林？孩子发烧了", catalogue)
    parsed = understand("+1", catalogue, reply_to=asked)
    assert parsed.intent == "request"
    assert [i.canonical for i in parsed.items] == ["ibuprofen_children"]


def test_a_reply_under_an_offer_asks_for_it(catalogue: Catalogue) -> None:
    offered = understand("Free stroller, pickup only", catalogue)
    parsed = understand("Me please!", catalogue, reply_to=offered)
    assert parsed.intent == "request"
    assert [i.canonical for i in parsed.items] == ["stroller"]


def test_hands_up_and_plus_one_under_an_offer_ask_for_it(catalogue: Catalogue) -> None:
    offered = understand("闲置婴儿车免费送，自提", catalogue)
    for reply in ("🙋‍♀️", "我要！", "举手", "+1"):
        parsed = understand(reply, catalogue, reply_to=offered)
        assert parsed.intent == "request", reply
        assert [i.canonical for i in parsed.items] == ["stroller"]


def test_a_bare_reply_without_context_has_an_intent_but_no_item(catalogue: Catalogue) -> None:
    parsed = understand("我有", catalogue)
    assert parsed.intent == "offer"
    assert parsed.items == ()


def test_a_reply_that_names_its_own_item_keeps_it(catalogue: Catalogue) -> None:
    asked = understand("谁家有退烧药", catalogue)
    parsed = understand("我有泰诺林", catalogue, reply_to=asked)
    assert parsed.intent == "offer"
    assert [i.canonical for i in parsed.items] == ["acetaminophen"]


def test_lending_is_tagged(catalogue: Catalogue) -> None:
    assert "lend" in understand("我有一把电钻可以借，用完还我就行", catalogue).tags


@pytest.mark.parametrize(
    "text",
    [
        "楼道灯又不亮了，物业管管吧",
        "电梯又停了，爬楼爬死了",
        "楼上漏水漏到我家了",
        "厕所下水道堵了，物业电话打不通",
        "The elevator is broken again",
        "The heat isn't working on the 4th floor",
        "the lift is stuck again",
    ],
)
def test_repair_complaints_are_flagged_and_match_nothing(catalogue: Catalogue, text: str) -> None:
    parsed = understand(text, catalogue)
    assert parsed.intent == "none"
    assert parsed.repair


def test_a_need_during_a_power_cut_is_still_a_request(catalogue: Catalogue) -> None:
    parsed = understand("停电了，谁家有手电筒借我用一下", catalogue)
    assert parsed.intent == "request"
    assert not parsed.repair


def test_swaps_ask_for_the_wanted_item_not_the_payment(catalogue: Catalogue) -> None:
    parsed = understand("谁家有多的鸡蛋？我拿一袋苹果跟你换", catalogue)
    assert parsed.intent == "request"
    assert [i.canonical for i in parsed.items] == ["eggs"]
    assert parsed.quantity is None


def test_to_json_keeps_the_public_shape(catalogue: Catalogue) -> None:
    parsed = understand("求两片布洛芬，牙疼😭", catalogue)
    assert isinstance(parsed, Parsed)
    assert parsed.to_json() == {
        "text": "求两片布洛芬，牙疼😭",
        "intent": "request",
        "items": [{"name": "布洛芬", "canonical": "ibuprofen", "category": "fever_reducer"}],
        "quantity": {"n": 2, "unit": "片"},
        "urgent": False,
    }


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=120))
def test_any_text_parses_to_the_public_shape(text: str) -> None:
    parsed = understand(text, _CATALOGUE)
    assert parsed.text == text
    assert parsed.to_json()["intent"] in ("offer", "request", "none")


_CATALOGUE = Catalogue.load()
