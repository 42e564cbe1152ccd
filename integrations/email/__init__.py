"""E-mail to citizens and invited third persons: composing (Jinja2, calendar files) and sending
(aiosmtplib)."""
