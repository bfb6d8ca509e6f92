"""/village/<code>: the command view of one village."""
from dash import register_page

from dashboards.pages._common import scoped_layout


def layout(code=None, **query):
    return scoped_layout("village", code, query)


register_page(__name__, path_template="/village/<code>", title="gridboard · village", layout=layout)
