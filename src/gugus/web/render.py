"""Rendering pages: one Jinja2 environment, the request's language, the
marking banner (the strictest marking of what the page shows)."""

from __future__ import annotations

from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.utils import url_quote
from markupsafe import Markup

from gugus.errors import translated
from gugus.model.markings import TLP
from gugus.web import i18n
from gugus.web.session import LOGIN_COOKIE, SESSION_COOKIE, csrf_for, login_secret

TEMPLATES = Path(__file__).with_name("templates")


@pass_context
def _gettext(ctx, message: str) -> str:
    return ctx["translations"].gettext(message)


@pass_context
def _ngettext(ctx, singular: str, plural: str, n: int) -> str:
    return ctx["translations"].ngettext(singular, plural, n)


@pass_context
def _translate(ctx, message: str, **variables) -> str:
    """``_()`` as jinja2.ext.i18n's newstyle ``gettext`` answers it (marked
    safe when autoescaping, then %-formatted with the escaped variables,
    even without any), in one call: its alias reaches it through three (a
    page says ``_()`` some thirty times)."""
    rv = ctx["translations"].gettext(message)
    if ctx.eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704 - our catalogue's text, trusted as jinja2.ext.i18n trusts it
    return rv % variables


@lru_cache(maxsize=1024)
def _badge_of(key: tuple) -> Markup:
    return ENV.get_template("macros.html").module.badge(
        {k: list(v) if isinstance(v, tuple) else v for k, v in key}
    )


def badge(marking: dict | None) -> Markup:
    """The ``badge`` macro's HTML for a marking dict, rendered once per
    distinct marking (a page shows a dozen or twenty badges of two or three
    markings; a macro call costs Jinja more than the rest of a row).  A
    global of every template."""
    if not marking:
        return Markup("")
    return _badge_of(tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in marking.items()))


def id_link(entity_id: str, caption: str | None = None) -> Markup:
    """A link to an entity's page, as the ``id_link`` macro wrote it (the id
    quoted as Jinja's ``urlencode`` does, the text escaped), without a
    macro call per row.  A global of every template."""
    return Markup('<a href="/entities/%s">%s</a>') % (url_quote(entity_id), caption or entity_id)


# What Jinja finds as an attribute of a plain dict (its methods); any other
# ``x.name`` of a dict is its item.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    def getattr(self, obj, attribute: str):
        """``x.name`` as Jinja answers it, the item of a plain dict looked
        up first when ``name`` is not a dict attribute: Jinja tries the
        attribute first, and its failure (an exception) is most of what a
        ``row.caption`` of a results table costs (~20 % of the search
        page's render)."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def _environment() -> Environment:
    env = _Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: no stat() of every template and
        # include on every render (each one also gives up the GIL, which a
        # busy worker's other threads then hold for up to 5 ms).
        auto_reload=False,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.globals["_"] = _translate
    env.globals["badge"] = badge
    env.globals["id_link"] = id_link
    return env


ENV = _environment()


@cache
def locale_of(lang: str) -> Locale:
    """Babel's locale of a page language, parsed once (Babel parses a
    locale name on every number it formats)."""
    return Locale.parse(lang)


@lru_cache(maxsize=4096)
def _number(lang: str, n) -> str:
    """A number as the page's language writes it (facet counts repeat:
    Babel takes ~30 µs each)."""
    return format_decimal(n, locale=locale_of(lang))


def warm() -> None:
    """Compile every template and parse every page language now (a
    serving process does it before its first request), not on a reader's
    first page."""
    for name in ENV.list_templates(extensions=["html"]):
        ENV.get_template(name)
    for lang in i18n.LANGUAGES:
        locale_of(lang)
        i18n.translations(lang)


def strictest(markings) -> dict | None:
    """The most restrictive of the marking dicts shown (TLP rank, then every
    handling code of any of them): what the banners say.  None when nothing
    restricted is shown."""
    shown = [m for m in markings if m]
    if not shown:
        return None
    top = max(shown, key=lambda m: TLP(m["tlp"]).rank)
    handling = sorted({h for m in shown for h in m.get("handling") or ()})
    if TLP(top["tlp"]) is TLP.CLEAR and not handling:
        return None
    return {"tlp": top["tlp"], "handling": handling}


def _context(request: Request, ctx: dict) -> dict:
    lang = request.state.lang
    translations = i18n.translations(lang)
    csrf = getattr(request.state, "csrf", None)
    if csrf is None:
        csrf = csrf_for(request.cookies.get(SESSION_COOKIE) or login_secret(request))

    def format_number(n) -> str:
        return _number(lang, n)

    def format_datetime(iso: str | None) -> str:
        if not iso:
            return ""
        try:
            return babel_datetime(datetime.fromisoformat(iso), "medium", locale=lang)
        except ValueError:
            return iso

    return {
        "request": request,
        "translations": translations,
        # a service's message (gugus.errors.Msg) in the page's language
        "say": lambda message: translated(message, translations.gettext),
        "lang": lang,
        "html_lang": i18n.html_lang(lang),
        "csrf_token": csrf,
        "user": getattr(request.state, "user", None),
        "format_number": format_number,
        "format_datetime": format_datetime,
        **ctx,
    }


def _respond(request: Request, body: str, status: int) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status)
    fresh = getattr(request.state, "new_login_cookie", None)
    if fresh:
        response.set_cookie(
            LOGIN_COOKIE,
            fresh,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


def page(request: Request, template: str, *, shown=(), status: int = 200, **ctx) -> HTMLResponse:
    """A full page; ``shown``: the marking dicts of everything rendered (the
    banner at top and bottom shows their strictest)."""
    ctx = _context(request, ctx)
    ctx["banner"] = strictest(shown)
    return _respond(request, ENV.get_template(template).render(ctx), status)


def fragment(
    request: Request, template: str, *, shown=None, status: int = 200, **ctx
) -> HTMLResponse:
    """Part of a page, for an htmx swap.  ``shown`` (the marking dicts of what
    the whole page shows after the swap) also replaces both banners
    out of band, so they never understate what is on screen."""
    ctx = _context(request, ctx)
    body = ENV.get_template(template).render(ctx)
    if shown is not None:
        ctx["banner"] = strictest(shown)
        banners = ENV.get_template("_banner.html")
        body += "".join(banners.render({**ctx, "where": w, "oob": True}) for w in ("top", "bottom"))
    return _respond(request, body, status)
