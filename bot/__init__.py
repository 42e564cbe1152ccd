"""Entry points and channel adapters: `python -m bot <command>`."""
