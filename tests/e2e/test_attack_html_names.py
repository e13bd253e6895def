"""Attack: a resident whose Telegram name is HTML (a hidden link) appears in others' messages
as a clickable phishing link instead of as text."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.e2e.test_bookings import RESOURCES, book
from tests.harness import BUILDING_CONFIG, Building, make_config

EVIL = '<a href="https://evil.example">Tom & Jerry</a>'
SH = ZoneInfo("Asia/Shanghai")


async def test_html_name_everywhere_is_shown_as_text():
    config = make_config(
        BUILDING_CONFIG + RESOURCES + "\n[volunteers]\npoints = { per_shift = 1 }\n"
    )
    async with Building(config) as b:
        b.opened_bot(b.alice, b.bob, b.captain)
        b.alice.first_name = EVIL
        hello = await b.say(b.alice, "hello all")
        # duty sign-up, attendance sheet
        await b.say(b.captain, "/duty Sat 9:00-11:00 stairwell cleaning 2 people")
        post = [m for m in b.group_posts() if any(d.startswith("vt:s:") for d in m.button_data())][
            -1
        ]
        await b.press(b.alice, post, "vt:s:")
        # nomination card, booking approval card, overview
        await b.say(b.bob, "/nominate always helps", reply_to=hello)
        await book(b, b.alice, "activity_room", 2, 10)
        await b.dm(b.captain, "/bookings")
        await b.later(datetime(2026, 12, 5, 11, 5, tzinfo=SH) - b.clock.now())
        bad = []
        for chat in (b.g3, b.world.private_chat(b.captain), b.world.private_chat(b.bob)):
            for m in b.world.bot_messages_in(chat if chat is b.g3 else chat.private_with):
                if "Tom & Jerry" in m.content and "evil.example" not in m.content:
                    bad.append(m.content[:120])
        print("\n---\n".join(bad))
        assert bad == []
