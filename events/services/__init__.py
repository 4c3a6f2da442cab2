"""Every write to events goes through these functions: rules checked, one transaction each."""

from .event_admin import create_event, set_event_status, update_event
from .ratings import rate_meeting, rating_round_open
from .registrations import (
    cancel_registration,
    decide_registrations,
    delete_marketplace_item,
    effective_max_meetings,
    register,
    save_marketplace_item,
    update_registration,
)
from .requests import (
    answer_request,
    cancel_request,
    expire_requests,
    send_request,
)

__all__ = [
    "answer_request",
    "cancel_registration",
    "cancel_request",
    "create_event",
    "decide_registrations",
    "delete_marketplace_item",
    "effective_max_meetings",
    "expire_requests",
    "rate_meeting",
    "rating_round_open",
    "register",
    "save_marketplace_item",
    "send_request",
    "set_event_status",
    "update_event",
    "update_registration",
]
