"""Viber: the same booking conversation, through Viber's REST bot API."""
