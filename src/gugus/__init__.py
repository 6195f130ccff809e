"""gugus: enforced information sharing for joint cross-border task forces."""

__version__ = "0.1.0"
