"""The database: tables, migrations, and the storage the use cases run on."""
