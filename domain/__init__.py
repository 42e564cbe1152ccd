"""The municipality's rules: services, staff, schedules, availability, bookings. No I/O."""
