"""The analyst's web UI: server-rendered pages (Jinja2 + htmx) on the same
services as the API, so nothing a reader may not see reaches the browser."""
