"""Builds the Application: every handler registered here, like a table of contents."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.app.menus import refresh_menus
from bot.app.monitoring import MonitoringServer
from bot.app.reload import config_with_aliases
from bot.app.services import BotData, Services
from bot.app.upkeep import run_upkeep
from bot.core.civic.vocabulary import AWARD_PATTERN, DELIBERATION_PATTERN
from bot.core.clarify import CALLBACK_PATTERN as CLARIFY_PATTERN
from bot.core.clock import Clock, SystemClock
from bot.core.complaints import CALLBACK_PATTERN as COMPLAINT_PATTERN
from bot.core.config import Config
from bot.core.sharing.service import SharingService
from bot.core.undeliverable import undeliverable_notices
from bot.core.understanding import Catalogue
from bot.delivery.aiohttp_request import AiohttpRequest
from bot.delivery.outbox import Delivery
from bot.delivery.rate_limit import SenderRateLimiter, SharedRateLimiter
from bot.delivery.sender_client import SenderProcess, SenderSettings
from bot.intake.leadership import Leadership
from handlers import (
    admin,
    alerts,
    awards,
    bookings,
    captains,
    clarify,
    complaints,
    deliberations,
    digest,
    edits,
    events,
    ids,
    matching,
    offers,
    privacy,
    private_chat,
    relay,
    residents,
    roles,
    roster,
    skills,
    volunteers,
    waitlist,
)
from handlers import groups as membership
from handlers.admin import install_sighup_reload
from handlers.errors import on_error
from storage.driver import is_postgres_url
from storage.repository import Repository

logger = logging.getLogger(__name__)

UPKEEP_SECONDS = 60
# After every handler group: PTB runs groups in ascending order.
APPLIED_GROUP = 100
RATE_LIMIT_RETRIES = 3

PRIVACY_FIX = (
    "Privacy mode is ON: the bot only sees commands in groups, not offers and requests. "
    "Fix: in @BotFather send /setprivacy, choose the bot, pick Disable, then remove the bot "
    "from each group and add it again (Telegram applies the change on re-join). "
    "Alternatively make the bot a group admin."
)

JinlinApp = Application[Any, Any, Any, Any, BotData, Any]


def build_application(
    config: Config,
    *,
    token: str,
    database: str,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    with_job_queue: bool = True,
    rate_limit: bool = True,
    config_path: str | None = None,
    reload_on_sighup: bool = False,
    worker: str | None = None,
    sender_process: bool = False,
    serve_monitoring: bool = False,
) -> JinlinApp:
    """The real python-telegram-bot Application, for Telegram and the console alike.

    `rate_limit=False` removes Telegram's flood limits (benchmarks measuring Jinlin itself).
    `config_path` is what /reload (and, with `reload_on_sighup`, SIGHUP) reads again.
    `sender_process`: the outbox's Bot API calls are made by a child process on another
    core (bot/delivery/sender_process.py); SQLite only — PostgreSQL deployments add workers instead,
    which share Telegram's flood limits through the database.
    `serve_monitoring`: `/healthz` and `/metrics` on `[monitoring] port` when one is set.
    """
    clock = clock or SystemClock()
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(token)
        .context_types(ContextTypes(bot_data=BotData))
        # A resident may delete the message we answer before the answer goes out.
        .defaults(Defaults(allow_sending_without_reply=True))
    )
    if config.telegram.base_url:
        builder = builder.base_url(config.telegram.base_url)
    if config.telegram.base_file_url:
        builder = builder.base_file_url(config.telegram.base_file_url)
    if request is None and updates_request is None:
        # Real HTTP (`jinlin run`, the load benchmark): aiohttp costs a fraction of PTB's
        # default httpx per Bot API call. Pool sizes as ApplicationBuilder's defaults.
        proxy = config.telegram.proxy_url()
        request = AiohttpRequest(proxy=proxy)
        updates_request = AiohttpRequest(connection_pool_size=1, proxy=proxy)
    if request is not None:
        builder = builder.request(request)
    if updates_request is not None:
        builder = builder.get_updates_request(updates_request)
    if not with_job_queue:
        builder = builder.job_queue(None)
    if rate_limit:
        # ~30 msg/s overall, 20/min per group; a 429 waits `retry_after` and tries again.
        # Several workers on PostgreSQL share those limits through the database.
        limiter = (
            SharedRateLimiter(database, max_retries=RATE_LIMIT_RETRIES)
            if is_postgres_url(database)
            else SenderRateLimiter(max_retries=RATE_LIMIT_RETRIES)
        )
        builder = builder.rate_limiter(limiter)

    sender: SenderProcess | None = None

    async def post_init(app: JinlinApp) -> None:
        nonlocal sender
        repo = await Repository.open(database, synchronous=config.storage.synchronous)
        live = await config_with_aliases(repo, config)  # groups upgraded to supergroups
        catalogue = Catalogue.load(live.catalogue.items)
        app.bot_data.services = Services(
            config=live,
            catalogue=catalogue,
            clock=clock,
            repo=repo,
            sharing=SharingService(live, catalogue, clock, files_repairs=True),
            delivery=Delivery(repo, clock, worker=worker),
            config_path=config_path,
        )
        app.bot_data.services.delivery.tell_undeliverable = lambda tx, outbox_id, effect, reason: (
            undeliverable_notices(tx, app.bot_data.require().config, outbox_id, effect, reason)
        )
        services = app.bot_data.services
        services.delivery.metrics = services.metrics
        if reload_on_sighup:
            install_sighup_reload(app)
        me = await app.bot.get_me()
        logger.info("connected as @%s (id %s)", me.username, me.id)
        logger.info("serving %s", served_summary(live))
        if serve_monitoring and live.monitoring.port is not None:
            services.monitor = MonitoringServer(
                services, app.bot, live.monitoring.listen, live.monitoring.port
            )
            await services.monitor.start()
        if not me.can_read_all_group_messages:
            logger.warning(PRIVACY_FIX)
        if sender_process and not is_postgres_url(database):
            sender = await _start_sender(token, config, rate_limit=rate_limit)
            app.bot_data.services.delivery.sender = sender
            if isinstance(app.bot.rate_limiter, SenderRateLimiter):
                app.bot.rate_limiter.sender = sender  # the direct replies share its budget
        # Menus per audience and language, and the description: only what changed is sent.
        await refresh_menus(app.bot, services)
        # Messages decided before a crash or restart go out now.
        await app.bot_data.services.delivery.flush(app.bot)
        if with_job_queue and app.job_queue is not None:
            job_queue = app.job_queue
            # With several workers only the leader runs the timed work; a new leader starts
            # at once rather than at its next tick.
            leadership = Leadership.for_repository(
                repo, on_elected=lambda: job_queue.run_once(_upkeep_job, when=0)
            )
            app.bot_data.services.leadership = leadership
            await leadership.start()
            job_queue.run_repeating(_upkeep_job, interval=UPKEEP_SECONDS, first=5)

    async def post_shutdown(app: JinlinApp) -> None:
        if app.bot_data.services is not None and app.bot_data.services.monitor is not None:
            await app.bot_data.services.monitor.close()
        if app.bot_data.services is not None:
            await app.bot_data.services.leadership.close()
            await app.bot_data.services.delivery.close()
            await app.bot_data.services.repo.close()
        if sender is not None:
            await sender.close()

    app: JinlinApp = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    register_handlers(app)
    return app


async def _start_sender(token: str, config: Config, *, rate_limit: bool) -> SenderProcess | None:
    settings = SenderSettings(
        token=token,
        base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
        proxy=config.telegram.proxy_url(),
        rate_limit=rate_limit,
        max_retries=RATE_LIMIT_RETRIES,
    )
    sender = SenderProcess(settings)
    try:
        await sender.start()
    except (OSError, TelegramError) as exc:
        logger.error("could not start the sender process (%s); sending from this one", exc)
        return None
    return sender


async def _upkeep_job(context: Any) -> None:
    services: Services = context.bot_data.require()
    await _follow_other_workers(services)
    if await services.leadership.check():
        await run_upkeep(services, context.application)
    else:
        # Another worker runs the timed work; this one still sends outbox rows whose
        # worker died holding them (their lease has passed).
        await services.delivery.flush(context.application.bot)


async def _follow_other_workers(services: Services) -> None:
    """Groups another worker saw upgraded to supergroups: served under their new ids here
    too (each worker holds the config in memory; the aliases are in the database)."""
    if not services.repo.backend.shares_database:
        return
    await services.repo.load_readings()  # /lang choices made through another worker
    live = await config_with_aliases(services.repo, services.config)
    if live is not services.config:
        logger.info("following a group upgrade or captain change another worker recorded")
        services.use_config(live, services.catalogue)


def served_summary(config: Config) -> str:
    """One log line's worth: how many groups, buildings and communities the config serves."""
    return (
        f"{len(config.groups)} groups, {len(config.buildings)} buildings, "
        f"{len(config.communities)} communities"
    )


async def count_update(update: Update, context: Any) -> None:
    """Every update Telegram delivers, for /metrics."""
    services: Services | None = context.bot_data.services
    if services is not None:
        services.metrics.updates.inc()


async def mark_applied(update: Update, context: Any) -> None:
    """The update went through every handler (one waiting out a database fault did not)."""
    services: Services | None = context.bot_data.services
    if services is not None and update.update_id not in context.bot_data.unapplied:
        services.metrics.update_applied(services.clock.now())


def register_handlers(app: JinlinApp) -> None:
    """Every handler Jinlin has, in the order they are tried."""
    groups = filters.ChatType.GROUPS
    private = filters.ChatType.PRIVATE
    # Before every other handler: a captain or admin named by @username is bound on sight.
    app.add_handler(TypeHandler(Update, roles.bind_role_usernames), group=-1)
    # Counted before anything can stop it, and marked applied after every handler ran.
    app.add_handler(TypeHandler(Update, count_update), group=-3)
    app.add_handler(TypeHandler(Update, mark_applied), group=APPLIED_GROUP)
    # An operator learns the id of a group the config lacks from the log (once per group).
    app.add_handler(TypeHandler(Update, membership.warn_unknown_group), group=-2)
    # Group lines first: they are most of the traffic, and no handler below takes a group
    # text or caption that is not a command (PTB tries each handler's filters in turn).
    # The edit handler goes before the new-message one: PTB's text filters match edits too.
    app.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE
            & groups
            & (filters.TEXT | filters.CAPTION)
            & ~filters.COMMAND,
            edits.on_edited_group_text,
        )
    )
    app.add_handler(
        MessageHandler(
            groups & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, offers.on_group_text
        )
    )
    # A private ballot's link (/start dl<id>) before the plain /start.
    app.add_handler(
        CommandHandler(
            "start", deliberations.start_ballot, filters=private & filters.Regex(r"^/start dl\d")
        )
    )
    app.add_handler(CommandHandler("start", residents.start_command))
    app.add_handler(CommandHandler("help", private_chat.help_command))
    app.add_handler(CommandHandler("lang", private_chat.lang_command))
    app.add_handler(CommandHandler("mine", residents.mine_command))
    app.add_handler(CommandHandler("offer", offers.offer_command))
    app.add_handler(CommandHandler("need", offers.need_command))
    app.add_handler(CommandHandler("event", events.event_command))
    app.add_handler(CommandHandler("events", events.events_command))
    app.add_handler(CallbackQueryHandler(events.on_event_button, pattern=events.CALLBACK_PATTERN))
    # Floor captains, admins, the bot's own membership, privacy.
    app.add_handler(CommandHandler("ledger", captains.ledger_command))
    app.add_handler(CommandHandler("remove", captains.remove_command))
    app.add_handler(CommandHandler("announce", captains.announce_command))
    app.add_handler(CommandHandler("reports", captains.reports_command))
    app.add_handler(CommandHandler("report", captains.report_command))
    app.add_handler(CommandHandler("myreports", captains.myreports_command))
    app.add_handler(CommandHandler("stats", captains.stats_command))
    app.add_handler(CommandHandler("thanks", captains.thanks_command))
    app.add_handler(CommandHandler("reload", admin.reload_command))
    app.add_handler(CommandHandler("captain", roster.captain_command))
    app.add_handler(CommandHandler("captains", roster.captains_command))
    app.add_handler(CommandHandler("id", ids.id_command))
    app.add_handler(CommandHandler("privacy", privacy.privacy_command))
    app.add_handler(CommandHandler("forgetme", privacy.forgetme_command))
    app.add_handler(CallbackQueryHandler(captains.on_button, pattern=captains.CALLBACK_PATTERN))
    app.add_handler(CallbackQueryHandler(complaints.on_button, pattern=COMPLAINT_PATTERN))
    app.add_handler(CallbackQueryHandler(privacy.on_button, pattern=privacy.CALLBACK_PATTERN))
    app.add_handler(
        ChatMemberHandler(membership.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, membership.on_migration))
    app.add_handler(
        MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS & groups, membership.on_new_members)
    )
    app.add_handler(
        MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER & groups, membership.on_left_member)
    )
    # Keyword alerts, digests, acting on an entry privately (issue 7).
    app.add_handler(CommandHandler("alert", alerts.alert_command))
    app.add_handler(CommandHandler("alerts", alerts.alerts_command))
    app.add_handler(CommandHandler("unalert", alerts.unalert_command))
    app.add_handler(CommandHandler("digest", digest.digest_command))
    app.add_handler(CallbackQueryHandler(alerts.on_alert_button, pattern=alerts.CALLBACK_PATTERN))
    app.add_handler(
        CallbackQueryHandler(alerts.on_entry_button, pattern=alerts.ENTRY_CALLBACK_PATTERN)
    )
    # Fair allocation, waitlist and no-shows, relayed private chat (issue 7).
    app.add_handler(CommandHandler("noshows", waitlist.noshows_command))
    app.add_handler(CallbackQueryHandler(waitlist.on_button, pattern=waitlist.CALLBACK_PATTERN))
    app.add_handler(CallbackQueryHandler(relay.on_button, pattern=relay.CALLBACK_PATTERN))
    # Good-neighbour awards and deliberations (issue 17).
    app.add_handler(CommandHandler("nominate", awards.nominate_command))
    app.add_handler(CommandHandler("awards", awards.awards_command))
    app.add_handler(CommandHandler("deliberate", deliberations.deliberate_command))
    app.add_handler(CommandHandler("deliberations", deliberations.deliberations_command))
    app.add_handler(CallbackQueryHandler(awards.on_button, pattern=AWARD_PATTERN))
    # Volunteer teams, duty rosters and service points (issue 17).
    app.add_handler(CommandHandler("team", volunteers.team_command))
    app.add_handler(CommandHandler("teams", volunteers.teams_command))
    app.add_handler(CommandHandler("duty", volunteers.duty_command))
    app.add_handler(CommandHandler("duties", volunteers.duties_command))
    app.add_handler(CommandHandler("points", volunteers.points_command_handler))
    app.add_handler(CallbackQueryHandler(volunteers.on_button, pattern=volunteers.CALLBACK_PATTERN))
    # Skills offered and services asked for, matched privately (issue 17).
    app.add_handler(CommandHandler("skill", skills.skill_command))
    app.add_handler(CommandHandler("needhelp", skills.needhelp_command))
    app.add_handler(CommandHandler("skills", skills.skills_command))
    app.add_handler(
        CallbackQueryHandler(private_chat.on_button, pattern=private_chat.CALLBACK_PATTERN)
    )
    app.add_handler(
        CallbackQueryHandler(deliberations.on_ballot_button, pattern=DELIBERATION_PATTERN)
    )
    app.add_handler(PollAnswerHandler(deliberations.on_poll_answer))
    app.add_handler(PollHandler(deliberations.on_poll))
    app.add_handler(CallbackQueryHandler(clarify.on_button, pattern=CLARIFY_PATTERN))
    # Shared spaces and community-owned things (issue 19).
    app.add_handler(CommandHandler("book", bookings.book_command))
    app.add_handler(CommandHandler("mybookings", bookings.mybookings_command))
    app.add_handler(CommandHandler("bookings", bookings.bookings_command))
    app.add_handler(CallbackQueryHandler(bookings.on_button, pattern=bookings.CALLBACK_PATTERN))
    app.add_handler(CallbackQueryHandler(matching.on_button))
    # A nomination's reason first; anything else goes on to the sharing handler's own.
    app.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, awards.on_private_text)
    )
    app.add_error_handler(on_error)


__all__ = ["PRIVACY_FIX", "JinlinApp", "Update", "build_application", "register_handlers"]
