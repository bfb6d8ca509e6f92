"""/wall and /wall/township/<code>: the command center's video wall (see ``dashboards.wall``)."""
from dash import register_page

from dashboards.pages._common import make_not_found, scope_of, with_default_language
from dashboards.wall import make_wall_view
from queries.areas import scope_exists


def wall_layout(level: str, code: str | None, query: dict):
    query = with_default_language(query)
    scope = scope_of(level, code)
    if scope is None or not scope_exists(scope):
        return make_not_found(query)
    return make_wall_view(scope, query)


def city_layout(**query):
    return wall_layout("city", "", query)


def township_layout(code=None, **query):
    return wall_layout("township", code, query)


register_page(__name__, path="/wall", title="gridboard · wall", layout=city_layout)
register_page(f"{__name__}_township", path_template="/wall/township/<code>", title="gridboard · wall",
              layout=township_layout)
