"""Why a booking action was refused. Each error's `code` is the message key the dialog shows."""

from __future__ import annotations


class BookingRefused(Exception):
    code = "booking_refused"


class SlotTaken(BookingRefused):
    """Someone else booked this time first (or at the same moment)."""

    code = "slot_taken"


class SlotNotOffered(BookingRefused):
    """The time is outside working hours, the notice period or the booking window."""

    code = "slot_not_offered"


class ServiceNotOffered(BookingRefused):
    """Unknown service, a mode it does not have, or a staff member who does not offer it."""

    code = "service_not_offered"


class OverlapsOwnBooking(BookingRefused):
    """The citizen already has another appointment at that time."""

    code = "overlaps_own_booking"


class TooManyActiveBookings(BookingRefused):
    code = "too_many_active_bookings"

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} active bookings per citizen")
        self.limit = limit


class BookingNotFound(BookingRefused):
    """No such booking for this citizen (or it is no longer active)."""

    code = "booking_not_found"


class TooLateToChange(BookingRefused):
    """The booking starts inside the notice period, or has already started."""

    code = "too_late_to_change"
