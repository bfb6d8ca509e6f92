"""What every scoped page does: check the scope exists, then render the command view."""
from __future__ import annotations

from dash import dcc, html
from flask import current_app

from dashboards.command import make_command_view
from dashboards.i18n import norm_lang, t
from queries.areas import scope_exists
from queries.scope import Scope


def with_default_language(query: dict) -> dict:
    """The ``language`` setting applies when the address does not say ``?lang=``."""
    if query.get("lang"):
        return query
    return {**query, "lang": current_app.config["GRIDBOARD"].language}


def scoped_layout(level: str, code: str | None, query: dict):
    query = with_default_language(query)
    try:
        scope = Scope(level, code or "")
    except ValueError:
        scope = None
    if scope is None or not scope_exists(scope):
        return make_not_found(query)
    return make_command_view(scope, query)


def make_not_found(query: dict):
    lang = norm_lang(with_default_language(query).get("lang"))
    return html.Div(className="gb-notfound", children=[
        html.H1(t("not_found", lang)), dcc.Link(t("back_to_city", lang), href="/" + (f"?lang={lang}" if lang != "zh" else ""))])
