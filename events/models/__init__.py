"""Models of the events app, one module per concern."""

from .events import Event, EventFormat, EventKind, EventStatus, KindLimit, SessionWindow
from .meetings import Meeting, MeetingSeat, ScheduleRun, Slot
from .registrations import MarketplaceItem, Registration
from .requests import MeetingRating, MeetingRequest

__all__ = [
    "Event",
    "EventFormat",
    "EventKind",
    "EventStatus",
    "KindLimit",
    "MarketplaceItem",
    "Meeting",
    "MeetingRating",
    "MeetingRequest",
    "MeetingSeat",
    "Registration",
    "ScheduleRun",
    "SessionWindow",
    "Slot",
]
