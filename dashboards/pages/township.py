"""/township/<code>: the command view of one township."""
from dash import register_page

from dashboards.pages._common import scoped_layout


def layout(code=None, **query):
    return scoped_layout("township", code, query)


register_page(__name__, path_template="/township/<code>", title="gridboard · township", layout=layout)
