"""/grid/<code>: the command view of one grid."""
from dash import register_page

from dashboards.pages._common import scoped_layout


def layout(code=None, **query):
    return scoped_layout("grid", code, query)


register_page(__name__, path_template="/grid/<code>", title="gridboard · grid", layout=layout)
