"""Importers: turn sources into marked statements with provenance."""
