"""One module per screen, each with its ``router``; registered here in the
order of the navigation."""

from __future__ import annotations

# isort: off
# pages: start
from gugus.web.pages import account
from gugus.web.pages import home
from gugus.web.pages import notices
from gugus.web.pages import review
from gugus.web.pages import load
from gugus.web.pages import audit
from gugus.web.pages import entity
# pages: end
# isort: on

ROUTERS = [
    module.router
    for module in (
        # routers: start
        account,
        home,
        review,
        notices,
        load,
        audit,
        entity,
        # routers: end
    )
]
