"""The store: tables, migrations and every SQL statement gugus runs."""
