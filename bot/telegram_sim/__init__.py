"""A simulated Telegram: in-memory Bot API semantics, in-process or as a loopback HTTP server."""

from bot.telegram_sim.local_request import InProcessRequest, offline_application_builder
from bot.telegram_sim.world import (
    ApiError,
    FailedCall,
    RateLimits,
    SentMessage,
    SimChat,
    SimMessage,
    SimulationError,
    SimUser,
    TelegramWorld,
    UploadedFile,
)

__all__ = [
    "ApiError",
    "FailedCall",
    "InProcessRequest",
    "RateLimits",
    "SentMessage",
    "SimChat",
    "SimMessage",
    "SimUser",
    "SimulationError",
    "TelegramWorld",
    "UploadedFile",
    "offline_application_builder",
]
