"""What every scoped page does: check the viewer may see the scope and that it exists, then render it.

The access check comes first, so a page outside the viewer's scope answers
"no access" whether or not the area exists, and reads nothing.  The gate
(``api.gate``) refuses such an address already when it is typed or
reloaded; this covers navigation inside the page (a link, a forged
``_pages_location`` callback).
"""
from __future__ import annotations

from dash import dcc, html
from flask import current_app

from dashboards.account import make_account_badge, make_forbidden
from dashboards.command import make_command_view
from dashboards.components import scope_path
from dashboards.i18n import norm_lang, t
from queries.access import current_principal, page_allowed
from queries.areas import scope_exists
from queries.scope import Scope


def with_default_language(query: dict) -> dict:
    """The ``language`` setting applies when the address does not say ``?lang=``."""
    if query.get("lang"):
        return query
    return {**query, "lang": current_app.config["GRIDBOARD"].language}


def scope_of(level: str, code: str | None) -> Scope | None:
    """The scope an address names, or None for a malformed code."""
    try:
        return Scope(level, code or "")
    except ValueError:
        return None


def scoped_layout(level: str, code: str | None, query: dict):
    query = with_default_language(query)
    scope = scope_of(level, code)
    if scope is None:
        return make_not_found(query)
    if not page_allowed(current_principal(), scope_path(scope.level, scope.code), scope):
        return make_forbidden(norm_lang(query.get("lang")))
    if not scope_exists(scope):
        return make_not_found(query)
    return [make_command_view(scope, query), make_account_badge(norm_lang(query.get("lang")))]


def make_not_found(query: dict):
    lang = norm_lang(with_default_language(query).get("lang"))
    return html.Div(className="gb-notfound", children=[
        html.H1(t("not_found", lang)), dcc.Link(t("back_to_city", lang), href="/" + (f"?lang={lang}" if lang != "zh" else ""))])
