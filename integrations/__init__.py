"""Everything that does I/O: configuration file, database, and (later) email, meetings, chat."""
