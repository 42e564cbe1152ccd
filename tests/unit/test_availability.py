"""Free times as a citizen sees them: working hours, breaks, holidays, closures, time off,
notice, window, buffers, existing bookings and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.availability import (
    Busy,
    BusyTimes,
    SlotQuery,
    available_days,
    available_times,
    bookable_range,
    choose_staff,
    epoch,
    free_slots,
)
from domain.model import Mode, Municipality, Period
from tests.factories import ATHENS, athens, hours, municipality, service, staff, wall_times

PERMITS = SlotQuery("permits", Mode.VIDEO_CALL)


def week_before(day: date) -> datetime:
    """A moment when `day` is well inside the booking window."""
    return athens(day - timedelta(days=7), "12:00")


def times_on(
    m: Municipality,
    day: date,
    busy: BusyTimes | None = None,
    query: SlotQuery = PERMITS,
    now: datetime | None = None,
) -> list[str]:
    now = now or week_before(day)
    return wall_times([s.start for s in available_times(m, query, busy or {}, day, now)])


def booked(day: date, *ranges: str) -> Busy:
    intervals = []
    for item in ranges:
        start, end = item.split("-")
        intervals.append((epoch(athens(day, start)), epoch(athens(day, end))))
    return Busy.from_intervals(intervals)


FRIDAY = date(2026, 12, 4)


def test_times_follow_working_hours_in_15_minute_steps_and_fit_the_service():
    m = municipality(staff("anna", hours("08:30-10:00")))
    assert times_on(m, FRIDAY) == ["08:30", "08:45", "09:00", "09:15", "09:30"]


def test_no_appointment_runs_into_the_break():
    m = municipality(staff("anna", hours("08:30-11:00", "11:30-12:30")))
    times = times_on(m, FRIDAY)
    assert "10:30" in times
    assert {"10:45", "11:00", "11:15"}.isdisjoint(times)
    assert times[times.index("10:30") + 1] == "11:30"


def test_weekend_without_hours_has_no_times():
    m = municipality(staff("anna"))
    assert times_on(m, date(2026, 12, 5)) == []
    assert times_on(m, date(2026, 12, 6)) == []


def test_greek_public_holidays_have_no_times():
    m = municipality(staff("anna", hours("08:30-14:30", days="mon tue wed thu fri sat sun")))
    for holiday in (
        date(2027, 3, 25),  # Independence Day
        date(2027, 5, 3),  # Orthodox Easter Monday
        date(2027, 6, 21),  # Whit Monday (Αγίου Πνεύματος)
        date(2027, 10, 28),  # Ohi Day
        date(2026, 12, 25),
    ):
        assert times_on(m, holiday) == [], holiday
    assert times_on(m, date(2027, 10, 27)) != []


def test_month_view_leaves_out_holidays_and_weekends():
    m = municipality(staff("anna"))
    now = athens(date(2027, 9, 30), "12:00")
    days = available_days(m, PERMITS, {}, date(2027, 10, 1), date(2027, 10, 31), now)
    assert date(2027, 10, 28) not in days
    assert date(2027, 10, 27) in days
    assert date(2027, 10, 29) in days
    assert all(d.weekday() < 5 for d in days)
    assert days[0] == date(2027, 10, 1)
    assert days[-1] == date(2027, 10, 29)  # 30 days ahead of 30 Sept is 30 Oct, a Saturday


class TestDaylightSaving:
    def test_opening_time_stays_0830_local_across_the_march_change(self):
        m = municipality(staff("anna"))
        friday = available_times(m, PERMITS, {}, date(2027, 3, 26), week_before(date(2027, 3, 26)))
        monday = available_times(m, PERMITS, {}, date(2027, 3, 29), week_before(date(2027, 3, 29)))
        assert friday[0].start == datetime(2027, 3, 26, 6, 30, tzinfo=UTC)  # UTC+2
        assert monday[0].start == datetime(2027, 3, 29, 5, 30, tzinfo=UTC)  # UTC+3
        assert wall_times([s.start for s in friday]) == wall_times([s.start for s in monday])

    def test_opening_time_stays_0830_local_across_the_october_change(self):
        m = municipality(staff("anna"))
        friday = available_times(
            m, PERMITS, {}, date(2027, 10, 29), week_before(date(2027, 10, 29))
        )
        monday = available_times(m, PERMITS, {}, date(2027, 11, 1), week_before(date(2027, 11, 1)))
        assert friday[0].start == datetime(2027, 10, 29, 5, 30, tzinfo=UTC)  # UTC+3
        assert monday[0].start == datetime(2027, 11, 1, 6, 30, tzinfo=UTC)  # UTC+2

    def test_the_hour_skipped_in_march_offers_no_times(self):
        night = hours("02:00-05:00", days="sun")
        m = municipality(staff("anna", night))
        slots = available_times(m, PERMITS, {}, date(2027, 3, 28), week_before(date(2027, 3, 28)))
        # 02:00-05:00 that night lasts two real hours: 03:00 does not exist.
        assert wall_times([s.start for s in slots]) == [
            "02:00",
            "02:15",
            "02:30",
            "02:45",
            "04:00",
            "04:15",
            "04:30",
        ]
        assert all(s.end - s.start == timedelta(minutes=20) for s in slots)

    def test_the_hour_repeated_in_october_offers_each_real_time_once(self):
        night = hours("02:00-05:00", days="sun")
        m = municipality(staff("anna", night))
        slots = available_times(m, PERMITS, {}, date(2027, 10, 31), week_before(date(2027, 10, 31)))
        starts = [s.start for s in slots]
        # 02:00-05:00 that night lasts four real hours; 03:00-04:00 happens twice.
        assert len(starts) == 15
        assert starts == sorted(set(starts))
        assert starts[0] == datetime(2027, 10, 30, 23, 0, tzinfo=UTC)
        assert starts[-1] == datetime(2027, 10, 31, 2, 30, tzinfo=UTC)


class TestNotice:
    def test_from_the_next_working_day_by_default(self):
        m = municipality(staff("anna"))
        wednesday_evening = athens(date(2026, 12, 2), "16:00")
        earliest, _ = bookable_range(m, wednesday_evening)
        assert earliest == athens(date(2026, 12, 3), "00:00")
        assert times_on(m, date(2026, 12, 2), now=athens(date(2026, 12, 2), "07:00")) == []
        assert times_on(m, date(2026, 12, 3), now=wednesday_evening)[0] == "08:30"

    def test_friday_books_from_monday(self):
        m = municipality(staff("anna"))
        friday = athens(date(2026, 12, 4), "09:00")
        assert bookable_range(m, friday)[0] == athens(date(2026, 12, 7), "00:00")

    def test_next_working_day_skips_christmas_and_the_weekend(self):
        m = municipality(staff("anna"))
        christmas_eve = athens(date(2026, 12, 24), "10:00")
        assert bookable_range(m, christmas_eve)[0] == athens(date(2026, 12, 28), "00:00")

    def test_notice_in_hours_starts_at_the_next_step_after_it(self):
        m = municipality(staff("anna"), notice=timedelta(hours=24))
        wednesday = athens(date(2026, 12, 2), "10:07")
        assert times_on(m, date(2026, 12, 3), now=wednesday)[0] == "10:15"
        assert times_on(m, date(2026, 12, 2), now=wednesday) == []


def test_nothing_past_the_booking_window():
    m = municipality(staff("anna"), window_days=3)
    monday = athens(date(2026, 11, 30), "12:00")
    days = available_days(m, PERMITS, {}, date(2026, 12, 1), date(2026, 12, 31), monday)
    assert days == [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)]
    assert times_on(m, date(2026, 12, 4), now=monday) == []


def test_a_booked_time_is_no_longer_offered_and_neither_is_its_overlap():
    m = municipality(staff("anna", hours("08:30-10:00")))
    busy = {"anna": booked(FRIDAY, "09:00-09:20")}
    assert times_on(m, FRIDAY, busy) == ["08:30", "09:30"]


def test_buffer_keeps_time_free_after_each_appointment():
    m = municipality(staff("anna", hours("08:30-10:30")), buffer_minutes=10)
    busy = {"anna": booked(FRIDAY, "09:00-09:30")}  # a 20-minute booking plus its buffer
    assert times_on(m, FRIDAY, busy) == ["08:30", "09:30", "09:45", "10:00"]


def test_staff_time_off_and_office_closures():
    day_off = Period(athens(FRIDAY, "00:00"), athens(FRIDAY + timedelta(days=1), "00:00"))
    afternoon = Period(athens(FRIDAY, "12:00"), athens(FRIDAY, "15:00"))
    m = municipality(
        staff("anna", time_off=(day_off,)),
        staff("babis"),
        closures=(afternoon,),
    )
    slots = available_times(m, PERMITS, {}, FRIDAY, athens(FRIDAY, "00:00") - timedelta(days=3))
    assert {s.staff_ids for s in slots} == {("babis",)}
    assert wall_times([s.start for s in slots])[-1] == "11:30"  # 11:30-11:50, then closed


class TestAnyone:
    def test_each_time_lists_everyone_free_then(self):
        m = municipality(staff("anna"), staff("babis"))
        busy = {"anna": booked(FRIDAY, "09:00-09:20")}
        slots = {
            wall_times([s.start])[0]: s.staff_ids
            for s in available_times(m, PERMITS, busy, FRIDAY, week_before(FRIDAY))
        }
        assert slots["08:30"] == ("anna", "babis")
        assert slots["09:00"] == ("babis",)

    def test_the_free_person_with_fewest_bookings_that_day_gets_it(self):
        m = municipality(staff("anna"), staff("babis"))
        busy = {
            "anna": booked(FRIDAY, "09:00-09:20"),
            "babis": booked(FRIDAY, "12:00-12:20", "13:00-13:20"),
        }
        slot = next(
            s
            for s in available_times(m, PERMITS, busy, FRIDAY, week_before(FRIDAY))
            if wall_times([s.start]) == ["10:00"]
        )
        assert choose_staff(m, slot, busy) == "anna"

    def test_bookings_on_other_days_do_not_count(self):
        m = municipality(staff("anna"), staff("babis"))
        thursday = FRIDAY - timedelta(days=1)
        busy = {"anna": booked(thursday, "09:00-09:20", "10:00-10:20")}
        slot = available_times(m, PERMITS, busy, FRIDAY, week_before(FRIDAY))[0]
        assert choose_staff(m, slot, busy) == "anna"

    def test_ties_go_to_the_first_in_the_configuration(self):
        m = municipality(staff("babis"), staff("anna"))
        slot = available_times(m, PERMITS, {}, FRIDAY, week_before(FRIDAY))[0]
        assert choose_staff(m, slot, {}) == "babis"

    def test_a_chosen_staff_member_shows_only_their_times(self):
        m = municipality(staff("anna", hours("08:30-09:30")), staff("babis", hours("12:00-13:00")))
        only_babis = SlotQuery("permits", Mode.VIDEO_CALL, staff_id="babis")
        assert times_on(m, FRIDAY, query=only_babis) == ["12:00", "12:15", "12:30"]


def test_staff_who_do_not_offer_the_service_are_not_offered():
    m = municipality(
        staff("anna", services=("planning",)),
        staff("babis", hours("12:00-13:00"), services=("permits",)),
        services=(service("planning"), service("permits")),
    )
    assert times_on(m, FRIDAY) == ["12:00", "12:15", "12:30"]
    planning = SlotQuery("planning", Mode.IN_PERSON)
    assert times_on(m, FRIDAY, query=planning)[0] == "08:30"


def test_free_slots_covers_a_range_across_days():
    m = municipality(staff("anna", hours("08:30-09:00")))
    start, end = athens(FRIDAY, "00:00"), athens(FRIDAY + timedelta(days=5), "00:00")
    slots = free_slots(m, PERMITS, {}, start, end, week_before(FRIDAY))
    assert [s.start.astimezone(ATHENS).strftime("%a %H:%M") for s in slots] == [
        "Fri 08:30",
        "Mon 08:30",
        "Tue 08:30",
    ]
