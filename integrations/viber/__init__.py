"""Viber's REST API (chatapi.viber.com)."""
