"""Keyword alerts: a resident asks to hear privately when an item they want is offered.

An alert keeps the item as the catalogue understood it (/alert 退烧药 -> fever_reducer), so
it fires through aliases, brand names and categories (an offer of 美林 carries the keys
ibuprofen_children, child_fever_reducer, fever_reducer, medicine) and never on a mere
substring (药 does not fire on 药箱). Pure core: no Telegram, no SQL, no wall clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.effects import Button, Effects, Fallback, SendMessage, Timing
from bot.core.i18n import Markup, reader_language, say
from bot.core.membership import is_member
from bot.core.redaction import redact
from bot.core.sharing.amounts import said_amount
from bot.core.understanding import Catalogue, ParsedItem
from storage.alerts_store import AlertRecord, NewAlert
from storage.records import Entry, UserRecord
from storage.repository import Tx

logger = logging.getLogger(__name__)

MAX_ALERTS = 20
MAX_QUERY = 40

# Callback data: al:x:N remove alert N, al:n:N renew alert N, al:h:CHAT home group is CHAT,
# ea:N ask for offer N (bot/core/sharing/entry_actions.py).
CALLBACK_PATTERN = r"^al:"


class AlertError(Exception):
    """A resident's mistake with an alert command, answered with text key `key`."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Subscriber:
    """Who runs an alert command: enough to answer them privately."""

    user_id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


def label(setting: str, key: str, **params: object) -> str:
    """A button label in every language of the reader, on one line."""
    return say(setting, key, **params).replace("\n", " / ")


class AlertService:
    """Subscribe, list, remove, renew, fire on new offers, expire."""

    def __init__(self, config: Config, catalogue: Catalogue, clock: Clock) -> None:
        self.config = config
        self.catalogue = catalogue
        self.clock = clock

    # --- commands ----------------------------------------------------------------------

    async def subscribe(
        self, tx: Tx, who: Subscriber, query: str, chat_id: int | None = None
    ) -> Effects:
        """/alert WORD (privately, or in a building group, which also says where they live)."""
        now = self.clock.now()
        group = self.config.group(chat_id) if chat_id is not None else None
        await self._remember(tx, who, home_chat_id=group.chat_id if group else None)
        words = " ".join(query.split())[:MAX_QUERY]
        if not words:
            raise AlertError("alert_usage")
        item = self.catalogue.lookup(words)
        if item is None:
            raise AlertError("alert_usage")
        if item.restricted:
            raise AlertError("alert_restricted", item=item.name)
        expires = now + timedelta(days=self.config.bot.alert_days)
        existing = await tx.alert_for_item(who.user_id, item.canonical)
        if existing is not None:
            # /alert again renews (and revives an expired one) instead of adding a twin.
            await tx.set_alert(existing.id, "active", now, expires_at=expires)
            key = "alert_renewed"
        else:
            if len(await tx.active_alerts_of(who.user_id)) >= MAX_ALERTS:
                raise AlertError("alert_too_many", limit=MAX_ALERTS)
            await tx.add_alert(
                NewAlert(
                    user_id=who.user_id,
                    query=words,
                    item_name=item.name,
                    canonical=item.canonical,
                    category=item.category,
                    known=item.known,
                    medicine=item.medicine,
                    created_at=now,
                    expires_at=expires,
                )
            )
            key = "alert_added"
        user = await tx.user(who.user_id)
        setting = self._setting(user)
        text = say(
            setting,
            key,
            item=lambda lang: self._name(item, lang),
            days=self.config.bot.alert_days,
        )
        buttons: tuple[tuple[Button, ...], ...] = ()
        if self._home_group(user) is None:
            text += "\n" + say(setting, "alert_where")
            buttons = tuple(
                (Button(g.title or str(g.chat_id), data=f"al:h:{g.chat_id}"),)
                for g in self.config.groups[:12]
            )
        logger.info("alert %s for user %s", key, who.user_id)
        effects = Effects()
        effects.add(
            SendMessage(
                chat_id=who.user_id,
                text=text,
                buttons=buttons,
                fallback=self._fallback(who, chat_id, item.name) if group else None,
            )
        )
        return effects

    async def listing(self, tx: Tx, who: Subscriber) -> Effects:
        """/alerts: numbered, with a remove button each."""
        await self._remember(tx, who)
        setting = self._setting(await tx.user(who.user_id))
        alerts = await tx.active_alerts_of(who.user_id)
        effects = Effects()
        if not alerts:
            effects.add(SendMessage(chat_id=who.user_id, text=say(setting, "alerts_empty")))
            return effects
        zone = self.config.bot.timezone
        lines = [say(setting, "alerts_header")]
        rows: list[tuple[Button, ...]] = []
        for number, alert in enumerate(alerts, start=1):
            until = alert.expires_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d")
            lines.append(
                say(setting, "alerts_line", n=number, item=alert.query, until=until).replace(
                    "\n", " / "
                )
            )
            rows.append(
                (Button(label(setting, "btn_alert_remove", n=number), data=f"al:x:{alert.id}"),)
            )
        lines.append(say(setting, "alerts_footer"))
        effects.add(SendMessage(chat_id=who.user_id, text="\n".join(lines), buttons=tuple(rows)))
        return effects

    async def remove_number(self, tx: Tx, who: Subscriber, number_text: str) -> Effects:
        """/unalert N: N as numbered by /alerts."""
        alerts = await tx.active_alerts_of(who.user_id)
        text = number_text.strip().lstrip("#")
        if not text.isdigit() or not 1 <= int(text) <= len(alerts):
            raise AlertError("unalert_usage", count=len(alerts))
        return await self.remove(tx, who, alerts[int(text) - 1].id)

    async def remove(self, tx: Tx, who: Subscriber, alert_id: int) -> Effects:
        """Stop one alert (the /alerts button or /unalert)."""
        alert = await self._own(tx, who, alert_id)
        if alert.status != "active":
            raise AlertError("alert_gone")
        await tx.set_alert(alert.id, "removed", self.clock.now())
        setting = self._setting(await tx.user(who.user_id))
        effects = Effects()
        effects.add(
            SendMessage(chat_id=who.user_id, text=say(setting, "alert_removed", item=alert.query))
        )
        return effects

    async def renew(self, tx: Tx, who: Subscriber, alert_id: int) -> Effects:
        """The renew button of an expiry notice."""
        alert = await self._own(tx, who, alert_id)
        if alert.status == "removed":
            raise AlertError("alert_gone")
        days = self.config.bot.alert_days
        await tx.set_alert(
            alert.id, "active", self.clock.now(), expires_at=self.clock.now() + timedelta(days=days)
        )
        setting = self._setting(await tx.user(who.user_id))
        effects = Effects()
        effects.add(
            SendMessage(
                chat_id=who.user_id,
                text=say(setting, "alert_renewed", item=alert.query, days=days),
            )
        )
        return effects

    async def set_home(self, tx: Tx, who: Subscriber, chat_id: int) -> Effects:
        """The resident picked their building group from the buttons."""
        group = self.config.group(chat_id)
        if group is None:
            raise AlertError("alert_gone")
        if not await is_member(tx, who.user_id, (group.chat_id,), self.clock.now()):
            # A home group opens its alerts, captains (/report) and events: neighbours only.
            logger.info("user %s is not known in group %s: home refused", who.user_id, chat_id)
            raise AlertError("not_member")
        await self._remember(tx, who)
        await tx.set_home_chat(who.user_id, chat_id)
        setting = self._setting(await tx.user(who.user_id))
        effects = Effects()
        effects.add(
            SendMessage(
                chat_id=who.user_id,
                text=say(setting, "alert_home_set", group=group.title or str(group.chat_id)),
            )
        )
        return effects

    # --- events ------------------------------------------------------------------------

    async def on_offer(self, tx: Tx, offer: Entry) -> Effects:
        """A new offer: tell every other resident in scope whose alert it satisfies, once."""
        effects = Effects()
        offered = item_of(offer, self.catalogue)
        now = self.clock.now()
        for sub in await tx.alert_subscribers(exclude_user=offer.user_id):
            if not self._in_scope(sub.home_chat_id, offer):
                continue
            if not self.catalogue.covers(_alert_item(sub.alert), offered):
                continue
            if not await tx.claim_alert_hit(sub.alert.user_id, offer.id, sub.alert.id, now):
                continue  # another of their alerts already told them about this offer
            user = await tx.user(sub.alert.user_id)
            setting = self._setting(user)
            logger.info("alert #%s fires on offer #%s", sub.alert.id, offer.id)
            text = say(
                setting,
                "alert_fired",
                item=lambda lang: self._entry_name(offer, lang),
                qty=said_amount(offer.available if offer.quantity else None, offer.unit),
                building=self._place(offer),
                query=sub.alert.query,
            )
            if offer.medical:
                text += "\n" + say(setting, "medicine_note")
            effects.add(
                SendMessage(
                    chat_id=sub.alert.user_id,
                    text=text,
                    buttons=((Button(label(setting, "btn_alert_ask"), data=f"ea:{offer.id}"),),),
                    timing=Timing.NUDGE,  # someone else's offer: it can wait for the morning
                )
            )
        return effects

    async def tick(self, tx: Tx) -> Effects:
        """Expire alerts past their time; each resident gets a notice with a renew button."""
        now = self.clock.now()
        effects = Effects()
        for alert in await tx.alerts_expired(now):
            await tx.set_alert(alert.id, "expired", now)
            setting = self._setting(await tx.user(alert.user_id))
            effects.add(
                SendMessage(
                    chat_id=alert.user_id,
                    text=say(setting, "alert_expired", item=alert.query),
                    buttons=(
                        (Button(label(setting, "btn_alert_renew"), data=f"al:n:{alert.id}"),),
                    ),
                )
            )
        return effects

    # --- small pieces ------------------------------------------------------------------

    def _in_scope(self, home_chat_id: int | None, offer: Entry) -> bool:
        """The resident's building (their last group) or community, as matching scopes it."""
        group = self.config.group(home_chat_id) if home_chat_id is not None else None
        if group is None:
            return False
        community = self.config.community_of_group(group)
        if community != offer.community:
            return False
        if self.config.scope_for(community) == "community":
            return True
        # A community-wide group hears its whole community; a building group its building.
        return group.building is None or offer.building is None or group.building == offer.building

    def _home_group(self, user: UserRecord | None) -> int | None:
        if user is None or user.home_chat_id is None:
            return None
        return user.home_chat_id if self.config.group(user.home_chat_id) else None

    async def _own(self, tx: Tx, who: Subscriber, alert_id: int) -> AlertRecord:
        alert = await tx.alert(alert_id)
        if alert is None or alert.user_id != who.user_id:
            raise AlertError("alert_gone")
        return alert

    async def _remember(self, tx: Tx, who: Subscriber, *, home_chat_id: int | None = None) -> None:
        await tx.save_user(
            UserRecord(
                user_id=who.user_id,
                first_name=who.first_name,
                username=who.username,
                language_code=who.language_code,
                home_chat_id=home_chat_id,
            ),
            self.clock.now(),
        )

    def _setting(self, user: UserRecord | None) -> str:
        home = self._home_group(user)
        fallback = self.config.group_language(home) if home else self.config.bot.language
        return reader_language(user, fallback)

    def _name(self, item: ParsedItem, lang: str) -> str:
        return self.catalogue.display_name(item.canonical, lang) if item.known else item.name

    def _entry_name(self, entry: Entry, lang: str) -> str:
        written_in_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in entry.item_name)
        if entry.category is None or written_in_chinese == (lang == "zh"):
            return redact(entry.item_name)
        return self.catalogue.display_name(entry.canonical, lang)

    def _place(self, entry: Entry) -> str:
        building = self.config.building(entry.building)
        if building is not None:
            return building.name
        community = next((c for c in self.config.communities if c.key == entry.community), None)
        return community.name if community else ""

    def _fallback(self, who: Subscriber, chat_id: int | None, item: str) -> Fallback | None:
        if chat_id is None:
            return None
        setting = self.config.group_language(chat_id)
        mention = Markup(f'<a href="tg://user?id={who.user_id}">{escape(who.first_name)}</a>')
        return Fallback(
            chat_id=chat_id,
            user_id=who.user_id,
            text=say(setting, "fallback_group", name=mention, item=item),
            button=label(setting, "btn_open_private"),
            thread_id=self.config.group_topic(chat_id),
        )


async def alerts_for_offer(
    tx: Tx, config: Config, catalogue: Catalogue, clock: Clock, offer: Entry
) -> Effects:
    """The hook SharingService calls after recording an offer."""
    return await AlertService(config, catalogue, clock).on_offer(tx, offer)


def item_of(entry: Entry, catalogue: Catalogue) -> ParsedItem:
    """A ledger entry's item as the catalogue sees it."""
    return ParsedItem(
        name=entry.item_name,
        canonical=entry.canonical,
        category=entry.category,
        known=entry.canonical in catalogue,
        medicine=entry.medical,
    )


def _alert_item(alert: AlertRecord) -> ParsedItem:
    return ParsedItem(
        name=alert.item_name,
        canonical=alert.canonical,
        category=alert.category,
        known=alert.known,
        medicine=alert.medicine,
    )
