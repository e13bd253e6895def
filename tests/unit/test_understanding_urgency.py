"""Urgency: said outright or described as an emergency; not every 马上 is urgent."""

import pytest

from bot.core.understanding import Catalogue, understand

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
    ],
)
def test_not_urgent(catalogue: Catalogue, text: str) -> None:
    assert not understand(text, catalogue).urgent
