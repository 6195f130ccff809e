"""Pure data model of gugus: markings, statements, entities, roles (no I/O)."""
