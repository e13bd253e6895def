"""Urgency: said outright or described as an emergency; not every 马上 is urgent."""

import pytest

from bot.core.understanding import Catalogue, understand
from bot.core.understanding.urgency import is_emergency, is_shouted

pytestmark = pytest.mark.no_storage  # pure logic: no database to vary


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.mark.parametrize(
    "text",
    [
        "急需一个轮椅，老人摔了",
        "急！谁家有速效救心丸，我爸心口疼",
        "谁家有氧气袋，老人喘不上气",
        "救命，孩子过敏反应，谁有肾上腺素笔",
        "邊位街坊有萬托林？小朋友喘唔到氣",
        "Need ibuprofen asap, migraine is killing me",
        "Anyone have an epipen?? My son is having an allergic reaction, apt 5C",
        "Please, anyone with an inhaler, my husband can't breathe, unit 12B",
        "my mom has chest pain, does anyone have aspirin",
        "URGENT need insulin for my neighbour",
        "the lift is stuck again with people inside",
        "在线等，谁家有碘伏，孩子膝盖摔破了",
        "我老婆要生了，谁家有车能送一下医院",
        "着急用，谁家有充电宝",
    ],
)
def test_urgent(catalogue: Catalogue, text: str) -> None:
    assert understand(text, catalogue).urgent


@pytest.mark.parametrize(
    "text",
    [
        "借把伞，马上还",
        "不着急，谁家有缝纫机借我用用，周末还",
        "No rush, but does anyone have a hand truck I could borrow next week?",
        "谁家有硝酸甘油，备着",
        "Looking for kids Motrin, fever of 102",
        "孩子得了急性肠胃炎，好多了，谢谢大家",
        "不是很急，谁家有梯子周末借我",
        "谁家有急救包，放车里备用",
        # 急需的 names a neighbour in need: the one offering is in no hurry
        "家里退烧贴多了两盒，急需的邻居私我",
    ],
)
def test_not_urgent(catalogue: Catalogue, text: str) -> None:
    assert not understand(text, catalogue).urgent


@pytest.mark.parametrize(
    "text",
    [
        "Strong gas smell by the bins on level 4, keep away from the lift",
        "有阿婆喺大堂暈咗，叫唔醒",
        "細路喺𨋢入面困咗，管理處仲未嚟",
        "5 座 𨋢 困 咗 人 按 鐘 冇 人 應",  # handwriting input, a space after each character
        "厨房油锅烧起来了，谁家有灭火毯",
        "楼道里一股烧焦味，谁家在烧东西？",  # a fire smelt before it is named
        "走廊好大的烟 是不是哪家出事了",
        "there's a burning smell on the 9th floor landing, anyone know where from",
        "my wife fell and I can't get her up, flat 12, please someone come",
        "奶奶在楼梯上摔倒了 腿肿了 起不来",  # a fall with a swelling, and she cannot get up
        # an older person's fall is an emergency even when only an ice pack is asked for
        "My mum (88) fell down in the bathroom, does anyone have an ice pack?",
        "爷爷摔倒了 腿肿了 谁有跌打酒",
        "grandma fell over, scraped her arm, lots of blood",
        # signs that name no word of danger
        "grandad slipped and fell in the shower, we can't lift him, 7B",
        "外婆倒在厕所里了 我一个人扶不起来",
        "奶奶血氧只有85 救护车还没到 谁家有制氧机",
        "我爸哮喘犯了 喷雾用完了 谁有",
        "anyone have an epipen? my son's throat is swelling, he ate a cashew",
    ],
)
def test_danger_said_in_more_ways_is_an_emergency(catalogue: Catalogue, text: str) -> None:
    parsed = understand(text, catalogue)
    assert parsed.emergency and parsed.urgent


@pytest.mark.parametrize(
    "folded",
    [
        "家里煤气灶打不着火了，谁有电子打火枪",  # a stove that will not light
        "孩子半夜烧起来了，谁家有退烧贴",  # a fever
        "whoever keeps leaving boxes by the fire exit, it's a fire hazard",
        "切到手了 没事 不用打120",
        "楼道里有烟味，谁在抽烟，太没素质了",  # cigarette smoke: a complaint
        "my toast got a bit burnt lol",
        # a child's fall with a scraped knee needs a plaster, not an ambulance
        "小朋友跌倒擦破皮了，谁家有创可贴",
        "my son fell over at the playground and scraped his knee, anyone have band-aids?",
        "my daughter fell and grazed her elbow, plasters anyone?",
        "my keys fell behind the radiator, anyone have a grabber?",
        "fell off the wagon and bought cake again lol",
        "the wooden door is swollen from the rain, anyone have a plane?",
    ],
)
def test_look_alikes_of_danger_are_not_emergencies(folded: str) -> None:
    assert not is_emergency(folded)


def test_capitals_and_the_sos_sign() -> None:
    assert is_shouted("🆘 anyone with a car to the hospital")
    assert is_shouted("need a charger NOW")
    # elderly typists write all in capitals: an invitation is not a cry for help
    assert not is_shouted("LEMONS BY THE DOOR OF UNIT 6. HELP YOURSELVES")
