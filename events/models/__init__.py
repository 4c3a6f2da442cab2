"""Models of the events app, one module per concern."""

from .events import Event, EventFormat, EventKind, EventStatus, KindLimit, SessionWindow
from .registrations import MarketplaceItem, Registration
from .requests import MeetingRating, MeetingRequest

__all__ = [
    "Event",
    "EventFormat",
    "EventKind",
    "EventStatus",
    "KindLimit",
    "MarketplaceItem",
    "MeetingRating",
    "MeetingRequest",
    "Registration",
    "SessionWindow",
]
