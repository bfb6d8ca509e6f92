"""Any other path."""
from dash import register_page

from dashboards.pages._common import make_not_found


def layout(**query):
    return make_not_found(query)


register_page(__name__, path="/404", title="gridboard", layout=layout)
