"""The frame around every page: navigation, the data-version poll, the page container and the parts
that stay mounted from page to page."""
from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboards.command import make_command_panels, make_controls, make_map_card
from queries.version import current_version

POLL_MS = 2000  # a write shows on every open page within this plus one panel query (a no-change poll costs ~1 ms)


def make_shell():
    return html.Div(className="gb-app", children=[
        dcc.Location(id="nav", refresh="callback-nav"),
        dcc.Store(id="data-version", data=current_version()),
        dcc.Interval(id="version-poll", interval=POLL_MS),
        # the page's parts and the persistent ones (the window picker, the map, the command view's
        # panels and case drawer) share one grid: the page container and the page root are
        # display: contents, and a page shows only the persistent parts it uses (gridboard.css)
        html.Div(className="gb-page", children=[dash.page_container, make_controls(), make_map_card(),
                                                make_command_panels()]),
    ])


@callback(Output("data-version", "data"), Input("version-poll", "n_intervals"), State("data-version", "data"))
def poll_version(_n, known):
    """One primary-key read; panels hear about it only when the number changed."""
    version = current_version()
    return no_update if version == known else version
