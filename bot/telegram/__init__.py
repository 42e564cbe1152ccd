"""The Telegram channel (aiogram 3): screens as messages with inline keyboards."""
