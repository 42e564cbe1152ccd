"""The outbox worker and the deliverers of each kind of notification."""
