"""The map's first drawing for a scope: layer URLs, fixed grid order, labels, fit."""
from __future__ import annotations

import pandas as pd

from dashboards.components import app_now
from dashboards.figures import fit_view, map_figure, map_paint
from dashboards.i18n import EVENT_TEXT, area_names, t
from queries.areas import grid_info, layer_etag
from queries.guard import NotFound
from queries.mapbase import layer_keys, map_base, open_case_points, scope_bounds
from queries.scope import Scope
from queries.taxonomy import category_label

CITY_BOUNDS = (122.35, 40.45, 122.75, 40.80)


def layer_url(key: tuple[str, str] | None) -> str | None:
    if key is None:
        return None
    try:
        etag = layer_etag(*key)
    except NotFound:
        return None
    return f"/geo/{key[0]}/{key[1] or 'city'}.json?v={etag}"


def _points(scope: Scope, lang: str) -> pd.DataFrame | None:
    if scope.level not in ("village", "grid"):
        return None
    pts = open_case_points(scope, app_now())
    rows = [{"lon": r.lon, "lat": r.lat, "color": "#b30000" if r.overdue else "#1f5fbf",
             "text": f"#{r.id} {category_label(r.category, lang)} · {t(r.node, lang, EVENT_TEXT)}"
                     + (f" · {t('overdue', lang)}" if r.overdue else "")}
            for r in pts.itertuples()]
    if scope.level == "grid":
        info = grid_info(scope.code)
        last, worker = info.get("last_patrol"), info.get("worker") or {}
        if last and last.get("end_lon") is not None:
            rows.append({"lon": last["end_lon"], "lat": last["end_lat"], "color": "#2e7d32",
                         "text": f"{t('last_patrol', lang)} · {worker.get('name', '')} "
                                 f"{last['ended_at']:%m-%d %H:%M}"})
    return pd.DataFrame(rows, columns=["lon", "lat", "color", "text"])


def aligned(base: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Values in the grid order of the drawn figure (``map_base``), which every recolour must follow."""
    return values.set_index("code").reindex(base["code"])


def outside_home(scope: Scope, base: pd.DataFrame, home: Scope | None) -> list[bool] | None:
    """Which grids of a city map lie outside the viewer's own township (None: nothing to single out).

    Only a township leader reaches the city map below the whole city (with the
    peer-aggregates setting on); their township is drawn full, the others faded.
    """
    if scope.level != "city" or home is None or home.level != "township":
        return None
    return (base["township_code"] != home.code).tolist()


def value_paint(scope: Scope, values: pd.DataFrame, metric: dict, lang: str, home: Scope | None = None,
                full: bool = False, base: pd.DataFrame | None = None) -> dict:
    """The map's values in the drawn grid order (``figures.map_paint``); ``base``: ``map_base(scope)`` if read."""
    base = map_base(scope) if base is None else base
    v = aligned(base, values)
    paint = map_paint(v["value"].tolist(), v["n"].tolist(), metric, lang, outside_home(scope, base, home), full=full)
    # the drawn figure this paint belongs to (its uirevision): the browser drops a paint of another view
    return {**paint, "key": view_key(scope)}


def view_key(scope: Scope) -> str:
    return f"{scope.level}:{scope.code}"


def base_figure(scope: Scope, values: pd.DataFrame, metric: dict, lang: str, home: Scope | None = None,
                showscale: bool = True, base: pd.DataFrame | None = None) -> dict:
    base = map_base(scope) if base is None else base
    v = aligned(base, values)
    dim = outside_home(scope, base, home)
    if dim is not None:  # the names of other townships' grid workers are not theirs to read
        base = base.assign(worker=["—" if faded else w for faded, w in zip(dim, base["worker"])])
    base = base.assign(label=area_names(base, lang))
    grid_key, border_key = layer_keys(scope)
    view = fit_view(scope_bounds(scope) or CITY_BOUNDS, key=view_key(scope))
    view["points"] = _points(scope, lang)
    return map_figure(base, v["value"].tolist(), v["n"].tolist(), metric, layer_url(grid_key),
                      layer_url(border_key), view, lang, dim, showscale=showscale)
