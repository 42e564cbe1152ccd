"""The office's month as files: the bookings as CSV for Excel, and the figures as a chart.

CSV: UTF-8 with a byte-order mark and semicolons, which is what Excel in a Greek locale opens
with the Greek intact and the columns apart.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from domain.model import Booking, Municipality
from domain.office_figures import Figures
from locales.texts import Texts

CSV_COLUMNS = (
    "reference",
    "service",
    "mode",
    "date",
    "time",
    "staff",
    "status",
    "cancelled_by",
    "attendance",
    "citizen",
    "email",
    "phone",
    "subject",
    "application_number",
    "booked_at",
)


def month_csv(texts: Texts, municipality: Municipality, bookings: Sequence[Booking]) -> bytes:
    zone = municipality.time_zone
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([texts(f"desk.csv.{column}") for column in CSV_COLUMNS])
    for booking in bookings:
        service = municipality.service(booking.service_id)
        staff = municipality.staff_member(booking.staff_id)
        local = booking.starts_at.astimezone(zone)
        cancelled_by = ""
        if booking.cancelled_by is not None:
            cancelled_by = texts(
                "desk.csv.by_office" if booking.cancelled_by_office else "desk.csv.by_citizen"
            )
        writer.writerow(
            [
                booking.reference,
                service.name.in_language(texts.language) if service else booking.service_id,
                texts(f"mode.{booking.mode.value}"),
                local.strftime("%Y-%m-%d"),
                local.strftime("%H:%M"),
                staff.name if staff else booking.staff_id,
                texts(f"desk.csv.status.{booking.status.value}"),
                cancelled_by,
                texts(f"desk.csv.attendance.{booking.attendance.value}")
                if booking.attendance
                else "",
                _cell(booking.contact.full_name),
                _cell(booking.contact.email),
                _cell(booking.contact.phone),
                _cell(booking.subject),
                _cell(booking.application_number or ""),
                booking.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def _cell(text: str) -> str:
    """Citizens' words must not run as formulas when the file is opened (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def figures_chart(texts: Texts, municipality: Municipality, figures: Figures, title: str) -> bytes:
    """A PNG: appointments by local hour, and by service."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    from matplotlib import pyplot

    figure, (hours, services) = pyplot.subplots(1, 2, figsize=(10, 4), dpi=100)
    try:
        figure.suptitle(title)
        hour_labels = [f"{hour:02d}:00" for hour in figures.by_hour]
        hours.bar(hour_labels, list(figures.by_hour.values()), color="#2b6cb0")
        hours.set_title(texts("desk.chart.by_hour"))
        hours.tick_params(axis="x", labelrotation=45)
        names = []
        for service_id in figures.by_service:
            service = municipality.service(service_id)
            name = service.name.in_language(texts.language) if service else service_id
            names.append(name.rsplit("–", 1)[-1].strip()[:28])
        services.barh(names, list(figures.by_service.values()), color="#38a169")
        services.set_title(texts("desk.chart.by_service"))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        pyplot.close(figure)
