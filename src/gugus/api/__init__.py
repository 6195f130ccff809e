"""HTTP API (FastAPI): thin routers that parse, call a service, render."""

from gugus.api.app import create_app

__all__ = ["create_app"]
