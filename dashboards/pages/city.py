"""/: the whole city."""
from dash import register_page

from dashboards.pages._common import scoped_layout


def layout(**query):
    return scoped_layout("city", "", query)


register_page(__name__, path="/", title="gridboard", layout=layout)
