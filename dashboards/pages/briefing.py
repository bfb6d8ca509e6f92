"""/briefing: the weekly briefing of the city or one township (``?week=2026-W46&township=…``)."""
import logging

from dash import register_page

from dashboards.briefing import make_briefing_error, make_briefing_view
from dashboards.components import app_now
from dashboards.pages._common import make_not_found, with_default_language
from queries.briefing import briefing_scope
from queries.guard import PanelError, UnknownScope
from queries.weeks import parse_week
from reports.text import norm_lang

log = logging.getLogger(__name__)


def layout(week=None, township=None, **query):
    query = with_default_language(query)
    try:
        scope = briefing_scope(township)
    except (ValueError, UnknownScope):
        return make_not_found(query)
    try:
        iso_week = parse_week(week, app_now())
    except ValueError as exc:
        return make_briefing_error(str(exc), norm_lang(query.get("lang")))
    try:
        return make_briefing_view(scope, iso_week, query)
    except PanelError:  # a timed-out query: say so instead of a blank page
        log.exception("briefing %s %s failed", scope.key, iso_week.key)
        lang = norm_lang(query.get("lang"))
        return make_briefing_error("数据暂不可用，请稍后刷新" if lang == "zh" else "Data unavailable; reload later", lang)


register_page(__name__, path="/briefing", title="gridboard · 周报", layout=layout)
