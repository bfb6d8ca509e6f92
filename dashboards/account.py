"""What pages show about access: the signed-in user's badge with "log out", and the "no access" view."""
from __future__ import annotations

from dash import dcc, html

from api.csrf import csrf_token
from dashboards.i18n import t
from queries.access import current_principal, home_path

ACCOUNT_TEXT = {
    "logout": ("退出", "Log out"),
    "forbidden": ("无权查看该区域", "You may not view this area"),
    "go_home": ("返回我的辖区", "Go to my area"),
    "operator": ("值班员", "Operator"),
    "official": ("领导", "Official"),
    "township_leader": ("乡镇（街道）负责人", "Township leader"),
    "village_leader": ("村（社区）负责人", "Village leader"),
    "admin": ("管理员", "Administrator"),
}


def make_account_badge(lang: str):
    """Name, role and a log-out button (a POST carrying the session's CSRF token); nothing for a kiosk."""
    p = current_principal()
    if p.kind != "user":
        return None
    return html.Form(className="gb-account", action="/logout", method="post", children=[
        html.Span(f"{p.name} · {t(p.role, lang, ACCOUNT_TEXT)}", className="gb-account-name"),
        dcc.Input(type="hidden", name="csrf", value=csrf_token()),
        dcc.Input(type="hidden", name="lang", value=lang),
        html.Button(t("logout", lang, ACCOUNT_TEXT), type="submit", className="gb-button", id="logout-button"),
    ])


def make_forbidden(lang: str):
    """Shown instead of a page outside the principal's scope: no number, no name of the area."""
    href = home_path(current_principal()) + ("?lang=en" if lang == "en" else "")
    return html.Div(className="gb-notfound gb-forbidden", children=[
        html.H1(t("forbidden", lang, ACCOUNT_TEXT)), dcc.Link(t("go_home", lang, ACCOUNT_TEXT), href=href)])
