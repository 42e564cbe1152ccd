"""`python -m bot check-config`: the configuration reads (or one line says why not, before this
runs), and the upcoming bookings it would strand: made under the old configuration, they fall on
a new closure or holiday, outside new hours, or name a staff member or service that is gone.
A database that does not exist yet or is not migrated has no bookings to check: said, not an
error, so that the configuration can be checked before the first `migrate`."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.model import Configuration
from domain.stranded import Stranded, stranded_bookings
from integrations.db.migrate import schema_problem
from integrations.db.storage import SqlStorage
from integrations.settings import Settings

WHAT_TO_DO = (
    "  each stays booked: call it off from the staff desk's /day (the citizen is told), "
    "or change the configuration back"
)


async def check_config(
    settings: Settings, configuration: Configuration, storage: SqlStorage
) -> list[str]:
    names = ", ".join(m.name.en for m in configuration.municipalities)
    lines = [f"{settings.booking_config}: ok ({names})"]
    unchecked = await schema_problem(settings.database_url, storage.engine)
    if unchecked:
        return [*lines, f"bookings not checked: {unchecked}"]
    now = datetime.now(UTC)
    found: list[tuple[str, Stranded]] = []
    async with storage.reading() as uow:
        for municipality in configuration.municipalities:
            upcoming = await uow.bookings.upcoming_in(municipality.id, now)
            zone = municipality.time_zone
            for booking in stranded_bookings(municipality, upcoming):
                when = booking.starts_at.astimezone(zone).strftime("%a %d %b %Y %H:%M")
                found.append((f"{when} ({zone.key})", booking))
    if not found:
        return [*lines, "upcoming bookings: none stranded by this configuration"]
    lines.append(f"warning: {len(found)} upcoming booking(s) would be stranded:")
    lines += [f"  {b.reference}  {when}  {b.reason}" for when, b in found]
    return [*lines, WHAT_TO_DO]
