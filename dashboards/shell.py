"""The frame around every page: navigation, the data-version poll, the page container and the parts
that stay mounted from page to page."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

import dash
from dash import Input, Output, State, callback, dcc, html, no_update
from flask import current_app, has_app_context, has_request_context, request

from dashboards.command import make_command_panels, make_controls, make_map_card
from dashboards.i18n import norm_lang
from queries.access import AccessDenied
from queries.version import current_version

log = logging.getLogger(__name__)
POLL_MS = 2000  # a write shows on every open page within this plus one panel query (a no-change poll costs ~1 ms)


def make_shell():
    return html.Div(className="gb-app", children=[
        dcc.Location(id="nav", refresh="callback-nav"),
        dcc.Store(id="data-version", data=current_version()),
        dcc.Store(id="default-lang", data=default_lang()),  # when an address does not say ``?lang=``
        dcc.Interval(id="version-poll", interval=POLL_MS),
        # the page's parts and the persistent ones (the window picker, the map, the command view's
        # panels and case drawer) share one grid: the page container and the page root are
        # display: contents, and a page shows only the persistent parts it uses (gridboard.css)
        html.Div(className="gb-page", children=[make_page_container(), make_controls(), make_map_card(),
                                                make_command_panels()]),
    ])


def default_lang() -> str:
    """The ``language`` setting (pages apply it to an address without ``?lang=``)."""
    config = current_app.config.get("GRIDBOARD") if has_app_context() else None
    return norm_lang(config.language) if config is not None else "zh"


def make_page_container():
    """Dash's page container, with the page of the browser's address already in it.

    Dash fills its container by a callback once the browser has the layout: a
    round trip and a second render before any panel may ask for its data.  The
    layout is asked for by the page itself, whose address the request carries
    as its Referer (same origin), so that page is rendered into the layout here,
    and the container's Location is given that address so that it does not ask
    again.  The page's own layout function does it, with its access checks, as
    in Dash's router.  Without a usable Referer it is Dash's empty container.
    """
    address = _page_address()
    if address is None:
        return dash.page_container
    path, search = address
    from dash._pages import _parse_query_string, _path_to_page  # Dash's router does the same
    page, variables = _path_to_page(dash.get_app().strip_relative_path(path) or "")
    if not page:
        page = next((p for m, p in dash.page_registry.items() if m.split(".")[-1] == "not_found_404"), {})
        variables = None
    try:
        layout = page["layout"](**{**(variables or {}), **_parse_query_string(search)})
        title = page["title"](**(variables or {})) if callable(page["title"]) else page["title"]
    except AccessDenied:
        raise
    except Exception:  # the router will draw it (or show its error) once the page asks
        log.exception("could not render %s%s into the layout", path, search)
        return dash.page_container
    return html.Div([
        dcc.Location(id="_pages_location", refresh="callback-nav", pathname=path, search=search),
        html.Div(id="_pages_content", disable_n_clicks=True, children=layout),
        dcc.Store(id="_pages_store", data={"title": title}),
        html.Div(id="_pages_dummy", disable_n_clicks=True),
    ])


def _page_address() -> tuple[str, str] | None:
    """Path and query string of the page that asked for the layout, if it said (same host only)."""
    if not has_request_context() or request.path != "/_dash-layout" or not request.referrer:
        return None
    ref = urlsplit(request.referrer)
    if ref.netloc != request.host or not ref.path.startswith("/"):
        return None
    return ref.path, f"?{ref.query}" if ref.query else ""


@callback(Output("data-version", "data"), Input("version-poll", "n_intervals"), State("data-version", "data"),
          prevent_initial_call=True)
def poll_version(_n, known):
    """One primary-key read; panels hear about it only when the number changed."""
    version = current_version()
    return no_update if version == known else version
