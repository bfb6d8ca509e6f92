"""Party organisations, members, study sessions in the window, attendance, live now."""
from __future__ import annotations

from dash import Input, Output, callback, html

from dashboards.components import app_now, error_box, guarded, resolve_window
from dashboards.i18n import fmt_int, fmt_pct, t
from queries.party import live_sessions, party_summary
from queries.scope import Scope
from queries.taxonomy import session_kind_label


def _stat(value: str, label: str):
    return html.Div([html.B(value), html.Span(label)], className="gb-party-stat")


@callback(Output("party", "children"), Input("view", "data"), Input("window-choice", "value"),
          Input("window-range", "start_date"), Input("window-range", "end_date"), Input("data-version", "data"))
@guarded(error_box)
def update_party(view, choice, start, end, _version):
    scope, lang = Scope.from_dict(view["scope"]), view["lang"]
    s = party_summary(scope, resolve_window(choice, start, end))
    live = live_sessions(scope, app_now())
    items = [html.Li([html.Span(className="gb-dot"),
                      f"{r['title']} · {session_kind_label(r['kind'], lang)} · {r.get('org_name', '')}",
                      html.Span(f"  {fmt_int(r.get('present'), lang)}/{fmt_int(r.get('expected'), lang)}",
                                className="gb-asof")])
             for r in live.to_dict("records")]
    return [
        html.Div([_stat(fmt_int(sum(s.orgs.values()), lang), t("orgs", lang)),
                  _stat(fmt_int(s.members, lang), t("members", lang)),
                  _stat(fmt_int(s.sessions, lang), t("sessions", lang)),
                  _stat(fmt_pct(s.attendance_rate, lang), t("attendance_rate", lang))],
                 className="gb-party-stats"),
        html.Div(f"{t('live_now', lang)} ({len(items)})", className="gb-card-title"),
        html.Ul(items, className="gb-live") if items else html.Div(t("none_live", lang), className="gb-asof"),
    ]
