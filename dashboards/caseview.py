"""The cases behind a number: a sortable, paged table and the trail of the selected case."""
from __future__ import annotations

from dash import Input, Output, State, callback, clientside_callback, dash_table, html, no_update

from dashboards.components import app_now, error_box, guarded, resolve_window
from dashboards.i18n import EVENT_TEXT, LEVEL_TEXT, NODE_TEXT, RATING_TEXT, t
from queries.access import NotVisible
from queries.caselist import case_list, case_trail
from queries.guard import NotFound
from queries.scope import Scope
from queries.taxonomy import category_label, department_label, rating_label

PAGE_SIZE = 15
SORTABLE = {"id": "id", "created_at": "created_at", "category": "category", "grid_name": "grid_code",
            "node": "node", "level": "level", "deadline": "deadline", "rating": "rating"}
COLUMNS = ("id", "created_at", "category", "title", "grid_name", "node", "level", "deadline", "rating")
COLUMN_TEXT = {
    "id": ("编号", "No."), "created_at": ("受理时间", "Received"), "category": ("类别", "Category"),
    "title": ("诉求", "Request"), "grid_name": ("网格", "Grid"), "node": ("节点", "Node"),
    "level": ("层级", "Level"), "deadline": ("办结时限", "Deadline"), "rating": ("评价", "Rating"),
}
FILTER_TEXT = {
    "open_now": ("当前在办", "Open now"), "overdue_now": ("当前超时", "Overdue now"),
    "received_in_window": ("期间受理", "Received in period"), "dissatisfied": ("不满意", "Dissatisfied"),
    "escalated": ("上报案件", "Escalated"), "reminder_due": ("待提醒", "Reminder due"),
}


def case_columns(lang: str) -> list[dict]:
    return [{"name": t(c, lang, COLUMN_TEXT), "id": c} for c in COLUMNS]


def make_case_drawer(lang: str):
    """Mounted once in the shell; each page sets its column names and close label (``page-setup``)."""
    return html.Aside(id="case-drawer", className="gb-drawer", hidden=True, children=[
        html.Div([html.H2(id="case-drawer-title", className="gb-card-title"),
                  html.Button(t("close", lang), id="case-drawer-close", className="gb-button", n_clicks=0)],
                 className="gb-card-head"),
        html.Div(id="case-filter", hidden=True),
        dash_table.DataTable(
            id="case-table", page_action="custom", sort_action="custom", sort_mode="single",
            page_current=0, page_size=PAGE_SIZE, row_selectable=False, cell_selectable=True,
            columns=case_columns(lang),
            style_as_list_view=True, style_cell={"fontFamily": "inherit", "padding": "6px 8px",
                                                 "textAlign": "left", "maxWidth": 260,
                                                 "overflow": "hidden", "textOverflow": "ellipsis"},
            style_header={"fontWeight": 600}),
        html.Div(id="case-trail", className="gb-trail"),
    ])


# Opening and closing the drawer is decided in the browser: the server is asked only for the
# cases (below).  A tile or a node bar sets ``case-pick`` (assets/panels.js); a new view closes it.
clientside_callback(
    """
    function(pick, _close, _view, hidden) {
        const nu = window.dash_clientside.no_update;
        const trig = window.dash_clientside.callback_context.triggered_id;
        if (trig === 'case-pick' && pick) { return [false, pick.filter, 0]; }
        // closed, it lists nothing (so that new data does not reload a list nobody sees)
        return trig && !hidden ? [true, '', nu] : [nu, nu, nu];
    }
    """,
    Output("case-drawer", "hidden"), Output("case-filter", "children"), Output("case-table", "page_current"),
    Input("case-pick", "data"), Input("case-drawer-close", "n_clicks"), Input("panel-view", "data"),
    State("case-drawer", "hidden"), prevent_initial_call=True,
)


def _label(filt: str, lang: str) -> str:
    if filt.startswith("node:"):
        return t(filt[5:], lang, NODE_TEXT)
    return t(filt, lang, FILTER_TEXT)


@callback(Output("case-table", "data"), Output("case-table", "page_count"), Output("case-drawer-title", "children"),
          Input("case-filter", "children"), Input("case-table", "page_current"), Input("case-table", "sort_by"),
          Input("data-version", "data"), State("panel-view", "data"), State("window-choice", "value"),
          State("window-dates", "data"), prevent_initial_call=True)
@guarded(lambda lang: ([], 0, error_box(lang)))
def load_cases(filt, page, sort_by, _version, view, choice, dates):
    if not filt:
        return no_update, no_update, no_update
    lang = view["lang"]
    sort = (sort_by or [{"column_id": "created_at", "direction": "desc"}])[0]
    df, total = case_list(Scope.from_dict(view["scope"]), resolve_window(choice, dates), filt,
                          SORTABLE.get(sort["column_id"], "created_at"), sort["direction"] == "desc", page or 0,
                          PAGE_SIZE, now=app_now())
    rows = []
    for r in df.to_dict("records"):
        rows.append({
            "id": r["id"], "created_at": f"{r['created_at']:%m-%d %H:%M}",
            "category": category_label(r["category"], lang), "title": r.get("title") or "",
            "grid_name": r.get("grid_name") or r.get("grid_code"), "node": t(r["node"], lang, NODE_TEXT),
            "level": t(r["level"], lang, LEVEL_TEXT), "deadline": f"{r['deadline']:%m-%d %H:%M}",
            "rating": t(r["rating"], lang, RATING_TEXT) if r.get("rating") else "",
        })
    pages = max(1, -(-total // PAGE_SIZE))
    return rows, pages, f"{t('case_list', lang)} · {_label(filt, lang)} · {total:,}"


def _trail_details(event: dict, lang: str) -> list[str]:
    """Department, actor and note of an event; a rating event's note is the rating code.

    Empty columns may come back from the frame as NaN (a float), not None: only text counts.
    """
    def text(key: str) -> str:
        value = event.get(key)
        return value if isinstance(value, str) else ""

    note = text("note")
    if event["kind"] == "rate" and note in RATING_TEXT:
        note = rating_label(note, lang)
    dept = department_label(text("department"), lang) if text("department") else ""
    return [dept, text("actor"), note]


@callback(Output("case-trail", "children"), Input("case-table", "active_cell"), State("case-table", "data"),
          State("panel-view", "data"), prevent_initial_call=True)
@guarded(error_box)
def show_trail(cell, rows, view):
    if not cell or not rows or cell["row"] >= len(rows):
        return no_update
    lang = view["lang"]
    case_id = rows[cell["row"]]["id"]
    try:
        # the scope is the view's, checked by the door; a case outside it is "not found" (404), like none at all
        events = case_trail(case_id, Scope.from_dict(view["scope"])).events
    except NotFound:
        raise NotVisible(f"case {case_id} is not in {view['scope']}") from None
    items = [html.Li([html.Span(f"{e['at']:%m-%d %H:%M}", className="gb-trail-at"),
                      html.Span(t(e["kind"], lang, EVENT_TEXT), className="gb-trail-kind"),
                      html.Span(t(e["level"], lang, LEVEL_TEXT), className="gb-trail-level"),
                      html.Span(" · ".join(x for x in _trail_details(e, lang) if x), className="gb-trail-note")])
             for e in events.to_dict("records")]
    return [html.H3(f"{t('trail', lang)} #{case_id}"), html.Ol(items)]
