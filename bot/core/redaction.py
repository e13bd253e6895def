"""Keep phone numbers, room numbers and addresses out of group posts and logs."""

from __future__ import annotations

import re

# Phone numbers by their shape: mainland mobiles (1[3-9]x xxxx xxxx, with +86 / 0086),
# landlines with an area code (021-6212 3456, (021) 62123456), international numbers
# (+1 415 555 0100) and local numbers written in groups (6212 3456). Telegram ids are plain
# digit runs of other lengths or with a minus sign, and stay readable in logs.
_PHONE_SHAPES = (
    r"(?<![\d+])(?:(?:\+|00)86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"
    r"|(?<![\d-])\(?0\d{2,3}\)?[\s-]?\d{3,4}[\s-]?\d{4}(?!\d)"
    r"|(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d\)?){6,14}(?!\d)"
    r"|(?<![\d-])\d{3,4}[\s-]\d{4}(?![\d-])"
)
_PHONE_IN_LOGS = re.compile(_PHONE_SHAPES)
# What residents see is stricter: a bare run of 7+ digits may be a local landline too.
_PHONE = re.compile(_PHONE_SHAPES + r"|(?<!\d)\d{7,}(?!\d)")
# 3号楼2单元1102, 11楼, 1102室, 5-2-301, Room 1102, Apt 5B, Unit 3.
_ROOM = re.compile(
    r"\d+\s*(?:号楼|栋|幢|棟|座)\s*\d*\s*(?:单元|單元)?\s*\d*\s*(?:室|号|號)?"
    r"|\d+\s*(?:单元|單元)\s*\d+\s*(?:室|号|號)?"
    r"|\d{3,4}\s*(?:室|房|号房)"
    r"|\d+\s*(?:楼|樓|层|層)(?!道|梯|下|上|前|后)"
    r"|(?<![\w])\d{1,2}-\d{1,2}-\d{3,4}(?![\w])"
    r"|\b(?:room|rm|apt|apartment|unit|flat|suite|floor)\.?\s*#?\s*\d+\w?\b"
    # A bare door number in Chinese: "住502", "帮502王阿姨", "1102家", "502的张大爷".
    r"|(?<=[住帮在到找])\s*\d{3,4}(?![\d年月日号號点點:：.%])"
    r"|(?<![\d.:：])\d{3,4}(?=\s*(?:家|的|阿姨|叔叔|大爷|大妈|奶奶|爷爷|老人|[王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤][阿叔大奶爷老小姐哥家]))",
    re.IGNORECASE,
)
# No \b before the bot id: in Bot API URLs it follows "/bot" directly (".../bot123:AA...").
_TOKEN = re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}")


# The password of a URL's user (postgresql://jinlin:secret@db/jinlin): never in a log line.
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@]*):[^/\s@]*@")


def redact(text: str) -> str:
    """Replace contact details, room numbers and secrets with a placeholder."""
    text = _URL_PASSWORD.sub(r"\1:[password]@", text)
    text = _TOKEN.sub("[token]", text)
    text = _PHONE.sub("[phone]", text)
    return _ROOM.sub("[room]", text)


def redact_log_line(text: str) -> str:
    """`redact` for operators: phones by shape only, so chat, user and update ids stay ids."""
    text = _URL_PASSWORD.sub(r"\1:[password]@", text)
    text = _TOKEN.sub("[token]", text)
    text = _PHONE_IN_LOGS.sub("[phone]", text)
    return _ROOM.sub("[room]", text)


def hide_phone_numbers(text: str, placeholder: str) -> tuple[str, bool]:
    """The text with every phone number replaced, and whether there was one."""
    hidden, count = _PHONE.subn(placeholder, text)
    return hidden, count > 0


def kept_text(text: str) -> str:
    """A resident's words as stored: phone numbers out (nobody reads them back from here)."""
    return hide_phone_numbers(text, "[phone]")[0]


def has_contact_details(text: str) -> bool:
    """True if the text holds a phone number or a room/door number."""
    return bool(_PHONE.search(text) or _ROOM.search(text))
