"""`jinlin console`: an offline building group in the terminal.

A second front end, not a second implementation (errbot's text backend is the model): the
real python-telegram-bot Application, with the same handlers, parser, ledger and SQLite
storage, talks to an in-memory Telegram instead of the network. You type as residents and
see what the bot posts in the group and sends each resident privately.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from telegram import Update

from bot.app.application import build_application
from bot.app.upkeep import run_upkeep
from bot.core.bookings.timed import booking_moments
from bot.core.clock import ManualClock
from bot.core.config import Config
from bot.core.events import reminder_moments
from bot.core.volunteers.roster import duty_moments
from bot.telegram_sim import polls
from bot.telegram_sim.local_request import InProcessRequest
from bot.telegram_sim.world import SentMessage, SimChat, SimulationError, SimUser, TelegramWorld

logger = logging.getLogger(__name__)

CONSOLE_HELP = """\
Console commands (everything else is said by the current resident in the current chat):
  /as NAME            act as resident NAME (new names join the group, not having opened the bot)
  /group [N]          talk in the (N-th configured) group
  /private            talk in your private chat with the bot
  /reply ID TEXT      reply to message #ID in the current chat (quotes it, like Telegram's reply)
  /press N            press button [N] (a link button opens the private chat, like tapping it)
  /vote N [forwarded] vote for option N of the newest open poll here ("forwarded": in a copy
                      someone forwarded you, so you need not be in its group)
  /leave              leave the current group
  /clock +2d | +3h | +30m | 2026-12-05 09:00   move the simulated clock (up to 400 days at
                      a time); expiry, nudges and reminders run as they fall due
  /dump               show the ledger and what the parser learnt from corrections
  /users              list residents       /menu  the command menu you see here
  /? this help        /quit
Bot commands such as /start, /help, /lang, /mine, /offer, /need go to the bot as usual;
in /private, plain text ("我有两盒布洛芬可以送") is asked about with one tap.
In the demo, Cathy (id 9001) is the floor captain of 3号楼 and the admin: /as cathy, then
/event add …, or /captain add b3 1002 to make Bob a captain too (/captains lists them).
The prompt shows the simulated time; start at another with `jinlin console --at "2026-12-05 09:00"`.
"""

# A year and a bit: a festival calendar's worth. Further would take minutes of upkeep
# (every reminder and expiry on the way is run) for nothing a demo shows.
MAX_CLOCK_STEP = timedelta(days=400)

DEMO_RESIDENTS = (
    # (name, user id, language, has opened a private chat with the bot)
    ("Alice", 1001, "zh", True),
    ("Bob", 1002, "en", True),
    ("Carol", 1003, "zh", False),
    ("Cathy", 9001, "zh", True),  # floor captain of 3号楼 in the demo config (/event add …)
)


@dataclass
class _ButtonRef:
    chat_id: int
    message_id: int
    text: str
    data: str | None
    url: str | None


class Console:
    """Turns console lines into residents' actions and the bot's actions into lines."""

    def __init__(self, config: Config, world: TelegramWorld, clock: ManualClock, out: TextIO):
        self.config = config
        self.world = world
        self.clock = clock
        self.out = out
        self.app: Any = None
        self.groups: list[SimChat] = []
        self.residents: dict[str, SimUser] = {}
        self.buttons: list[_ButtonRef] = []
        self.user: SimUser | None = None
        self.chat: SimChat | None = None
        self._next_user_id = 2001

    # --- setting up ----------------------------------------------------------------------

    def populate(self) -> None:
        """The configured groups, with the demo residents in every one of them."""
        for name, user_id, lang, started in DEMO_RESIDENTS:
            user = self.world.add_user(user_id, name, language_code=lang)
            user.started_bot = started
            self.residents[name.lower()] = user
        for spec in self.config.groups:
            title = spec.title or f"group {spec.chat_id}"
            self.groups.append(
                self.world.add_group(spec.chat_id, title, members=list(self.residents.values()))
            )
        self.user = self.residents["alice"]
        self.chat = self.groups[0] if self.groups else None

    async def start(self, database: str) -> None:
        self.app = build_application(
            self.config,
            token=self.world.bot_token,
            database=database,
            clock=self.clock,
            request=InProcessRequest(self.world),
            updates_request=InProcessRequest(self.world),
            with_job_queue=False,
        )
        await self.app.initialize()
        await self.app.post_init(self.app)
        self.world.drain_new_outbox()

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.post_shutdown(self.app)
            await self.app.shutdown()

    # --- one line --------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Act on one console line; False when the console should end."""
        line = line.strip()
        if not line:
            return True
        command, _, rest = line.partition(" ")
        rest = rest.strip()
        meta: dict[str, Callable[[str], Any]] = {
            "/as": self._as,
            "/group": self._group,
            "/private": self._private,
            "/reply": self._reply,
            "/press": self._press,
            "/vote": self._vote,
            "/leave": self._leave,
            "/clock": self._clock,
            "/dump": self._dump,
            "/users": self._users,
            "/menu": self._menu,
            "/?": lambda _: self.say(CONSOLE_HELP),
        }
        if command in ("/quit", "/exit"):
            return False
        try:
            action = meta.get(command)
            if action is not None:
                result = action(rest)
                if asyncio.iscoroutine(result):
                    await result
            else:
                self._say_as_resident(line)
        except SimulationError as exc:
            self.say(f"  (console) {exc}")
        except (KeyError, ValueError, OverflowError) as exc:
            # A console line must never end the session and lose what was typed so far.
            logger.debug("console line %r failed", line, exc_info=True)
            reason = f"{type(exc).__name__}: {exc}"
            self.say(f"  (console) {command} could not do that ({reason}); /? for help")
        await self.pump()
        return True

    async def pump(self) -> None:
        """Let the bot process every pending update, then show what it did."""
        while (raw := self.world.next_update()) is not None:
            await self.app.process_update(Update.de_json(raw, self.app.bot))
        for sent in self.world.drain_new_outbox():
            self.show(sent)

    # --- residents acting ----------------------------------------------------------------

    def _need_chat(self) -> tuple[SimUser, SimChat]:
        if self.user is None or self.chat is None:
            raise SimulationError("no group configured: add [[groups]] to the config")
        return self.user, self.chat

    def _say_as_resident(self, text: str, reply_to: int | None = None) -> None:
        user, chat = self._need_chat()
        if text.split(" ", 1)[0] == "/start" and chat.private_with is user:
            payload = text.partition(" ")[2].strip() or None
            message = self.world.start_bot(user, payload)
        else:
            quoted = self._message(chat, reply_to) if reply_to is not None else None
            message = self.world.send(user, chat, text, reply_to=quoted)
        where = self._chat_name(chat)
        quote = f" ↩#{reply_to}" if reply_to is not None else ""
        self.say(f"[{where} #{message.message_id}] {user.first_name}{quote}: {text}")

    def _message(self, chat: SimChat, message_id: int) -> Any:
        try:
            return self.world.message(chat, message_id)
        except KeyError:
            raise SimulationError(
                f"there is no message #{message_id} in {self._chat_name(chat)}"
            ) from None

    def _as(self, name: str) -> None:
        if not name:
            raise SimulationError("usage: /as NAME")
        key = name.lower()
        user = self.residents.get(key)
        if user is None:
            # As typed ("Dave Smith", "王阿姨"): only a lower-case first letter is raised.
            shown = name[0].upper() + name[1:]
            user = self.world.add_user(self._next_user_id, shown, language_code="zh")
            self._next_user_id += 1
            self.residents[key] = user
            for group in self.groups:
                self.world.join(group, user)
            self.say(
                f"  (console) {user.first_name} joined the groups (has not opened the bot yet)"
            )
        self.user = user
        if self.chat is not None and self.chat.private_with is not None:
            self.chat = self.world.private_chat(user)
        self.say(f"  (console) you are now {user.first_name}")

    def _group(self, which: str) -> None:
        if not self.groups:
            raise SimulationError("no group configured")
        if which and not which.isdigit():
            raise SimulationError(f"usage: /group [N], N from 1 to {len(self.groups)}")
        index = int(which) - 1 if which else 0
        if not 0 <= index < len(self.groups):
            raise SimulationError(
                f"there are {len(self.groups)} groups: /group 1 … {len(self.groups)}"
            )
        self.chat = self.groups[index]
        self.say(f"  (console) now in {self._chat_name(self.chat)}")

    def _private(self, _: str) -> None:
        user = self.user
        if user is None:
            raise SimulationError("choose a resident first: /as NAME")
        self.chat = self.world.private_chat(user)
        self.say(f"  (console) now in {user.first_name}'s private chat with the bot")

    def _reply(self, rest: str) -> None:
        match = re.fullmatch(r"#?(\d+)\s+(.+)", rest, re.S)
        if match is None:
            raise SimulationError("usage: /reply ID TEXT")
        self._say_as_resident(match[2], reply_to=int(match[1]))

    def _press(self, rest: str) -> None:
        user = self.user
        if user is None or not rest.strip().isdigit():
            raise SimulationError("usage: /press N")
        number = int(rest)
        if not 1 <= number <= len(self.buttons):
            raise SimulationError(f"there is no button [{number}]")
        ref = self.buttons[number - 1]
        self.say(f"  (console) {user.first_name} presses [{number}] {ref.text}")
        if ref.url is not None:
            payload = re.search(r"[?&]start=([A-Za-z0-9_-]+)", ref.url)
            self.world.start_bot(user, payload[1] if payload else None)
            self.chat = self.world.private_chat(user)
            return
        chat = self.world.chat(ref.chat_id)
        if chat.private_with is not None and chat.private_with is not user:
            raise SimulationError(
                f"that button is in {chat.private_with.first_name}'s private chat: "
                f"/as {chat.private_with.first_name.lower()} first"
            )
        self.world.press(user, self._message(chat, ref.message_id), ref.data or "")

    def _vote(self, rest: str) -> None:
        user, chat = self._need_chat()
        words = rest.split()
        forwarded = "forwarded" in words
        numbers = [w for w in words if w != "forwarded"]
        if not numbers or not all(n.isdigit() for n in numbers):
            raise SimulationError("usage: /vote N [forwarded]")
        chats = [chat] if not forwarded else [chat, *self.groups]
        found = next((m for c in chats if (m := polls.latest_poll(self.world, c))), None)
        if found is None:
            raise SimulationError("there is no open poll here")
        options = [int(n) - 1 for n in numbers]
        how = " (in a forwarded copy)" if forwarded else ""
        chosen = ", ".join(
            found.poll.options[o] for o in options if 0 <= o < len(found.poll.options)
        )
        self.say(f"  (console) {user.first_name} votes “{chosen}”{how}")
        polls.vote(self.world, user, found, options, forwarded=forwarded)

    def _leave(self, _: str) -> None:
        user, chat = self._need_chat()
        if not chat.is_group:
            raise SimulationError("/leave works in a group")
        self.world.leave(chat, user)
        self.chat = self.world.private_chat(user)
        self.say(f"  (console) {user.first_name} left {self._chat_name(chat)}")

    async def _clock(self, rest: str) -> None:
        delta = _parse_clock(rest, self.clock.now(), self.config.bot.timezone)
        services = self.app.bot_data.require()
        target = self.clock.now() + delta
        # The real bot's upkeep runs every minute: stop wherever a reminder falls due.
        async with services.repo.transaction() as tx:
            stops = await reminder_moments(tx, services.config, self.clock.now(), target)
            # Booking reminders, keepers' prompts and overdue things, too (bot/core/bookings).
            stops += await booking_moments(
                tx, services.config, self.clock, self.clock.now(), target
            )
            stops += await duty_moments(tx, services.config, self.clock.now(), target)
        for stop in [*sorted({s for s in stops if s < target}), target]:
            step = stop - self.clock.now()
            self.clock.advance(step)
            self.world.tick(step.total_seconds())
            zone = self.config.bot.timezone
            local = self.clock.now().astimezone(ZoneInfo(zone))
            self.say(f"  (console) the time is now {local:%Y-%m-%d %H:%M} ({zone})")
            await run_upkeep(services, self.app)
            await self.pump()

    async def _dump(self, _: str) -> None:
        services = self.app.bot_data.require()
        async with services.repo.transaction() as tx:
            entries = await tx.all_entries()
            matches = await tx.all_matches()
            learnt = await tx.labelled_corrections()
        if not entries:
            self.say("  (ledger) empty")
        for e in entries:
            qty = f" ×{e.remaining:g}/{e.quantity:g}{e.unit or ''}" if e.quantity else ""
            self.say(
                f"  (ledger) #{e.id} {e.kind:<7} {e.status:<9} {e.item_name}{qty} "
                f"[{e.canonical}] by {self._user_name(e.user_id)}{' URGENT' if e.urgent else ''}"
            )
        for m in matches:
            self.say(
                f"  (match)  #{m.id} request #{m.request_id} ← offer #{m.offer_id} "
                f"×{m.quantity:g} {m.status}"
            )
        for c in learnt:
            # What `jinlin train --with-corrections` would learn from this deployment.
            self.say(
                f"  (learnt) “{c.text}” read as {c.guess}, is {c.label} "
                f"({c.source}, by {self._user_name(c.user_id)})"
            )

    def _users(self, _: str) -> None:
        for user in self.residents.values():
            opened = "opened the bot" if user.started_bot else "never opened the bot"
            self.say(f"  (console) {user.first_name} (id {user.id}, {opened})")

    def _menu(self, _: str) -> None:
        """What Telegram's menu button shows the current resident in the current chat."""
        user, chat = self._need_chat()
        names = self.world.menu_seen_by(user, chat)
        self.say("  (menu) " + (" ".join(f"/{n}" for n in names) or "no commands"))

    # --- showing the bot's actions -----------------------------------------------------

    def show(self, sent: SentMessage) -> None:
        chat = self.world.chat(sent.chat_id) if sent.chat_id is not None else None
        where = self._chat_name(chat) if chat is not None else "?"
        text = sent.plain_text if sent.plain_text is not None else (sent.text or "")
        if sent.kind == "answer_callback":
            if text:
                self.say(f"  (popup) {text}")
            return
        if sent.kind == "reaction":
            self.say(f"[{where}] Jinlin reacted {' '.join(sent.reaction)} to #{sent.message_id}")
            return
        if sent.kind == "stop_poll":
            self.say(f"[{where}] Jinlin closed the poll #{sent.message_id}")
            return
        if sent.kind == "poll" and sent.chat_id is not None and sent.message_id is not None:
            poll = self.world.message(self.world.chat(sent.chat_id), sent.message_id).poll
            choices = "   ".join(f"({n}) {o}" for n, o in enumerate(poll.options, start=1))
            body = f"📊 {poll.question}\n{choices}\n(/vote N)"
            sent, text = replace(sent, kind="send", plain_text=body), body
        if sent.kind in ("delete", "pin"):
            self.say(f"[{where}] Jinlin {sent.kind}d #{sent.message_id}")
            return
        if sent.kind not in ("send", "edit"):
            return
        label = "edited" if sent.kind == "edit" else "Jinlin"
        quote = f" ↩#{sent.reply_to_message_id}" if sent.reply_to_message_id else ""
        body = text.replace("\n", "\n    ")
        if sent.kind == "edit" and sent.text is None:
            body = "(buttons updated)"
        if sent.document is not None:  # an upload (the points export): name and size
            stored = self.world.files.get(sent.document)
            meta = stored.document if stored is not None and stored.document else {}
            body = f"📎 {meta.get('file_name', 'file')} ({meta.get('file_size', '?')} bytes) {body}"
        self.say(f"[{where} #{sent.message_id}] {label}{quote}: {body}")
        rows = (sent.reply_markup or {}).get("inline_keyboard", [])
        if rows and sent.chat_id is not None and sent.message_id is not None:
            labels = []
            for row in rows:
                for button in row:
                    self.buttons.append(
                        _ButtonRef(
                            sent.chat_id,
                            sent.message_id,
                            button["text"],
                            button.get("callback_data"),
                            button.get("url"),
                        )
                    )
                    labels.append(f"[{len(self.buttons)}] {button['text']}")
            self.say("    " + "   ".join(labels))

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def _chat_name(self, chat: SimChat) -> str:
        if chat.private_with is not None:
            return f"private: {chat.private_with.first_name}"
        return chat.title or str(chat.id)

    def _user_name(self, user_id: int) -> str:
        user = self.world.users.get(user_id)
        return user.first_name if user else str(user_id)

    def prompt(self) -> str:
        who = self.user.first_name if self.user else "?"
        where = self._chat_name(self.chat) if self.chat else "-"
        local = self.clock.now().astimezone(ZoneInfo(self.config.bot.timezone))
        return f"[{local:%Y-%m-%d %H:%M}] {who} @ {where}> "


def _parse_clock(text: str, now: datetime, zone: str) -> timedelta:
    relative = re.fullmatch(r"\+?(\d{1,9})\s*([dhm])", text.strip())
    if relative:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[relative[2]]
        step = timedelta(**{unit: int(relative[1])})
    else:
        try:
            target = parse_local_time(text, zone)
        except ValueError:
            raise SimulationError("usage: /clock +2d | +3h | +30m | 2026-12-05 09:00") from None
        if target < now:
            local = now.astimezone(ZoneInfo(zone))
            raise SimulationError(
                f"the clock only moves forward: it is {local:%Y-%m-%d %H:%M} already "
                '(start earlier with jinlin console --at "YYYY-MM-DD HH:MM")'
            )
        step = target - now
    if step > MAX_CLOCK_STEP:
        raise SimulationError(
            f"the clock moves at most {MAX_CLOCK_STEP.days} days at a time (e.g. /clock +365d)"
        )
    return step


def parse_local_time(text: str, zone: str) -> datetime:
    """ "2026-12-05 09:00" in the config's time zone; ValueError if it is not one."""
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))


async def run_console(
    config: Config,
    *,
    database: str = ":memory:",
    script: str | None = None,
    out: TextIO | None = None,
    lines: list[str] | None = None,
    at: datetime | None = None,
) -> int:
    """Run the console until /quit or end of input; returns the exit code.

    `at`: the simulated time to start at (default: now)."""
    out = out or sys.stdout
    clock = ManualClock(at) if at is not None else ManualClock()
    world = TelegramWorld(
        bot_token="100000:CONSOLE-OFFLINE", bot_username="jinlin_bot", clock=lambda: 0.0
    )
    world.tick(clock.now().timestamp())
    console = Console(config, world, clock, out)
    console.populate()
    await console.start(database)
    interactive = lines is None and script is None and sys.stdin.isatty()
    console.say("近邻 Jinlin console — offline, no Telegram needed. Type /? for help.")
    console.say(
        "Residents: "
        + ", ".join(
            f"{u.first_name}{'' if u.started_bot else ' (never opened the bot)'}"
            for u in console.residents.values()
        )
    )
    source: list[str] | None = lines
    if script is not None:
        with open(script, encoding="utf-8") as fh:
            source = fh.read().splitlines()
    try:
        if source is not None:
            for line in source:
                if line.strip() and not line.lstrip().startswith("#"):
                    console.say(f"{console.prompt()}{line}")
                    if not await console.handle(line):
                        break
            return 0
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                print(console.prompt(), end="", file=out, flush=True)
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            if not interactive:
                console.say(f"{console.prompt()}{line.rstrip()}")
            if not await console.handle(line):
                break
        return 0
    finally:
        await console.stop()
