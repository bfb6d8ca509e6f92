"""A deterministic demo city modelled on Dashiqiao (大石桥市, code 210882).

``generate_tree(seed)`` returns an :class:`~geo.tree.AdminTree` with 17
townships (5 subdistricts 街道 + 12 towns 镇), 283 villages/communities and
1,798 grids (1,480 ``urban_rural``, 69 ``school``, 249 ``enterprise``) placed
around lon 122.35-122.75, lat 40.45-40.80.

Technique (all in a local metric frame, converted to lon/lat at the very end):

1. An organic outer boundary: an ellipse whose radius is modulated by random
   harmonics (a star-shaped polygon, hence always simple).
2. Seed points by variable-radius dart throwing (blue noise): a density field
   that is high in the urban core around the city seat and in small town
   centres, low in the countryside; enterprise seeds packed into a few
   industrial-zone ellipses, school seeds near the seat and town centres.
3. The Voronoi *edges* of the seeds are noded once together with the outer
   ring (``union_all``), so every shared edge exists exactly once, and the
   pieces outside the boundary are dropped.
4. Every edge is segmentized (finer where cells are small) and every vertex is
   moved by a smooth deterministic noise field D(x, y): equal points get equal
   displacements, so shared vertices stay shared.  D is a sum of a few sine
   waves whose gradient is kept well below 1 (the map p -> p + D(p) is then
   one-to-one, so no edge can cross another) and it tapers to zero at the outer
   ring, which therefore stays put.  If the result were not a clean coverage
   the displacement is halved and the step repeated (never needed for the
   seeds tested).
5. ``polygonize`` turns the linework into faces; each face is matched to the
   (equally displaced) seed inside it.  Faces without a seed (a Voronoi cell
   cut in two by a concave stretch of the boundary) join the neighbour with
   which they share the longest edge.
6. Townships and villages are regions of the grid adjacency graph (grids
   sharing an edge of positive length) grown by multi-source Dijkstra from
   chosen centre grids ("graph Voronoi").  A Dijkstra region is connected by
   construction, so every village and township is a single polygon.  Village
   centres come from k-means on the township's seeds, so there are more
   villages where grids are dense; a one-grid village then takes a neighbouring
   grid that its village can spare (staying connected).
7. Village and township polygons are ``coverage_union_all`` of their grids in
   the final lon/lat coordinates: containment is exact by construction.
   Codes and names come from :func:`geo.names.label_areas`.
"""
from __future__ import annotations

import heapq
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry import MultiPoint, Point, Polygon

from geo import names
from geo.tree import GRID_COLUMNS, TOWNSHIP_COLUMNS, VILLAGE_COLUMNS, AdminTree

CITY_CODE = "210882"
CITY_NAME = "大石桥市"
CITY_NAME_EN = "Dashiqiao"
N_VILLAGES = 283
N_URBAN_RURAL, N_SCHOOL, N_ENTERPRISE = 1480, 69, 249

# Local metric frame: an equirectangular projection around the city's middle.
# It is only used while generating; distances need to be plausible, not exact.
_LON0, _LAT0 = 122.55, 40.625
_M_PER_DEG = np.array([111_320.0 * math.cos(math.radians(_LAT0)), 110_950.0])
_ORIGIN = np.array([_LON0, _LAT0])
_HALF_EXTENT = (16_600.0, 19_100.0)          # keeps lon 122.353-122.747, lat 40.453-40.797
_SEAT = (np.array([122.50, 40.63]) - _ORIGIN) * _M_PER_DEG

_ZONE_COUNTS = (89, 45, 40, 40, 35)          # enterprise grids per industrial zone
_TOWN_SCHOOLS = (4,) * 8 + (3,) * 4          # 44 town schools, 25 in the urban core
_ENTERPRISE_SPACING = 260.0                  # metres between enterprise seeds
_GRIDS_PER_VILLAGE = {True: 9.5, False: 5.5}  # target size of a community / rural village


def to_lonlat(xy: np.ndarray) -> np.ndarray:
    """Local metres -> lon/lat (the inverse of the generator's projection)."""
    return np.asarray(xy) / _M_PER_DEG + _ORIGIN


# --------------------------------------------------------------------------- plan
def _outer_boundary(rng: np.random.Generator) -> Polygon:
    """A star-shaped organic outline fitted into the city's bounding box."""
    theta = np.linspace(0.0, 2 * np.pi, 3000, endpoint=False)
    radius = np.ones_like(theta)
    k = np.arange(2, 250)
    amplitude = rng.normal(0.0, 0.3 * k ** -1.25)
    phase = rng.uniform(0, 2 * np.pi, len(k))
    radius += (amplitude[:, None] * np.cos(np.outer(k, theta) + phase[:, None])).sum(axis=0)
    radius = np.clip(radius, 0.4, None)
    x, y = radius * np.cos(theta), radius * np.sin(theta)
    x *= _HALF_EXTENT[0] / np.abs(x).max()
    y *= _HALF_EXTENT[1] / np.abs(y).max()
    return Polygon(np.c_[x, y])


def _inside(boundary: Polygon, xy: np.ndarray, margin: np.ndarray | float) -> np.ndarray:
    """Points strictly inside ``boundary`` and at least ``margin`` from its ring."""
    inside = shapely.contains_xy(boundary, xy[:, 0], xy[:, 1])
    far = shapely.distance(boundary.exterior, shapely.points(xy)) >= margin
    return inside & far


def _best_candidates(rng, boundary, existing: list[np.ndarray], n: int, margin: float,
                     candidates: int = 60) -> list[np.ndarray]:
    """Mitchell's best-candidate sampling: ``n`` well-spread points in ``boundary``."""
    lo, hi = np.array(boundary.bounds[:2]), np.array(boundary.bounds[2:])
    chosen = list(existing)
    out = []
    for _ in range(n):
        cand = rng.uniform(lo, hi, size=(candidates * 4, 2))
        cand = cand[_inside(boundary, cand, margin)][:candidates]
        dist = np.min(np.linalg.norm(cand[:, None, :] - np.array(chosen)[None], axis=2), axis=1)
        best = cand[np.argmax(dist)]
        chosen.append(best)
        out.append(best)
    return out


def _plan(rng: np.random.Generator, boundary: Polygon) -> dict:
    """Township centres and industrial zones (ellipse, number of enterprise grids)."""
    angle0 = rng.uniform(0, 2 * np.pi)
    subdistricts = [_SEAT] + [
        _SEAT + 2200.0 * np.array([math.cos(a), math.sin(a)])
        for a in angle0 + np.arange(4) * np.pi / 2 + rng.uniform(-0.3, 0.3, 4)]
    # the seat counts three times so that towns keep well away from the core
    towns = _best_candidates(rng, boundary, subdistricts + [_SEAT] * 2, 12, margin=3500.0)
    # the main industrial zone sits beside the core, the others just outside towns
    zone_towns = rng.choice(len(towns), size=len(_ZONE_COUNTS) - 1, replace=False)
    anchors = [(_SEAT, 4800.0, rng.uniform(0, 2 * np.pi))] + [
        (towns[t], 2200.0, math.atan2(*(towns[t] - _SEAT)[::-1])) for t in zone_towns]
    zones = []
    for count, (anchor, offset, direction) in zip(_ZONE_COUNTS, anchors):
        area = count * _ENTERPRISE_SPACING ** 2 * 1.1
        aspect = rng.uniform(1.2, 1.8)
        unit = affinity.rotate(affinity.scale(Point(0, 0).buffer(1.0, 32),
                                              math.sqrt(area * aspect / np.pi),
                                              math.sqrt(area / aspect / np.pi)),
                               rng.uniform(0, 180), origin=(0, 0))
        direction += rng.uniform(-0.6, 0.6)
        for _ in range(20):  # pull the zone towards its anchor until it fits
            centre = anchor + offset * np.array([math.cos(direction), math.sin(direction)])
            ellipse = affinity.translate(unit, *centre)
            if boundary.buffer(-1500.0).contains(ellipse):
                break
            offset *= 0.8
        zones.append((ellipse, count))
    return {"subdistricts": subdistricts, "towns": towns, "zones": zones}


def _spacing_field(boundary: Polygon, plan: dict):
    """Return ``spacing(xy)``: the typical distance between ordinary grid seeds.

    The density 1/spacing**2 is scaled so that it integrates to the number of
    ordinary grids over the boundary.
    """
    towns = np.array(plan["towns"])

    def raw_density(xy):
        d_seat = np.sum((xy - _SEAT) ** 2, axis=1)
        d_town = np.sum((xy[:, None, :] - towns[None]) ** 2, axis=2)
        return (1 / 1100.0 ** 2 + np.exp(-d_seat / 3700.0 ** 2) / 280.0 ** 2
                + np.exp(-d_town / 1000.0 ** 2).sum(axis=1) / 420.0 ** 2)

    minx, miny, maxx, maxy = boundary.bounds
    gx, gy = np.meshgrid(np.linspace(minx, maxx, 160), np.linspace(miny, maxy, 160))
    sample = np.c_[gx.ravel(), gy.ravel()]
    sample = sample[shapely.contains_xy(boundary, sample[:, 0], sample[:, 1])]
    zones = shapely.union_all([z for z, _ in plan["zones"]])
    free_area = boundary.area - zones.area
    outside_zones = ~shapely.contains_xy(zones, sample[:, 0], sample[:, 1])
    scale = N_URBAN_RURAL / (raw_density(sample[outside_zones]).mean() * free_area)

    def spacing(xy):
        return 1.0 / np.sqrt(scale * raw_density(np.atleast_2d(xy)))
    return spacing


# -------------------------------------------------------------------------- seeds
def _throw_darts(n, draw, spacing_of, xy, sp, closeness):
    """Variable-radius dart throwing, appending ``n`` accepted points to ``xy``.

    ``draw(k)`` proposes candidate points (already filtered to the allowed area);
    a candidate is kept when no accepted point is closer than
    ``closeness * min(spacing_candidate, spacing_other)``.
    """
    m, target, tried = len(xy), len(xy) + n, 0
    xy, sp = np.concatenate([xy, np.zeros((n, 2))]), np.concatenate([sp, np.zeros(n)])
    while m < target:
        cand = draw(256)
        tried += len(cand)
        if tried > 400 * n + 20_000:
            raise RuntimeError("dart throwing saturated; the density plan is inconsistent")
        for p, s in zip(cand, spacing_of(cand)):
            d = np.hypot(xy[:m, 0] - p[0], xy[:m, 1] - p[1])
            if np.any(d < closeness * np.minimum(s, sp[:m])):
                continue
            xy[m], sp[m] = p, s
            m += 1
            if m == target:
                break
    return xy, sp


def _seeds(rng, boundary: Polygon, plan: dict, spacing) -> tuple[np.ndarray, np.ndarray]:
    """Seed points and their grid types, enterprise first, then school, then ordinary."""
    xy, sp = np.zeros((0, 2)), np.zeros(0)
    types = []
    for ellipse, count in plan["zones"]:
        lo, hi = np.array(ellipse.bounds[:2]), np.array(ellipse.bounds[2:])

        def draw(k, ellipse=ellipse, lo=lo, hi=hi):
            c = rng.uniform(lo, hi, size=(k, 2))
            return c[shapely.contains_xy(ellipse, c[:, 0], c[:, 1])]
        xy, sp = _throw_darts(count, draw, lambda c: np.full(len(c), _ENTERPRISE_SPACING),
                              xy, sp, 0.6)
        types += ["enterprise"] * count
    sites = [(_SEAT, 3500.0, N_SCHOOL - sum(_TOWN_SCHOOLS))]
    sites += [(t, 1200.0, k) for t, k in zip(plan["towns"], _TOWN_SCHOOLS)]
    zones = shapely.union_all([z.buffer(150.0) for z, _ in plan["zones"]])
    for centre, radius, count in sites:
        def draw(k, centre=centre, radius=radius):
            r = radius * np.sqrt(rng.uniform(size=k))
            a = rng.uniform(0, 2 * np.pi, size=k)
            c = centre + np.c_[r * np.cos(a), r * np.sin(a)]
            return c[~shapely.contains_xy(zones, c[:, 0], c[:, 1])]
        # schools are spaced ~2.5 cells apart from each other, but once placed they
        # record the local spacing so that ordinary seeds may come as close as usual
        xy, sp = _throw_darts(count, draw, lambda c: np.minimum(spacing(c), 400.0) * 2.5,
                              xy, sp, 0.65)
        sp[-count:] /= 2.5
        types += ["school"] * count
    lo, hi = np.array(boundary.bounds[:2]), np.array(boundary.bounds[2:])
    densest = spacing(_SEAT[None])[0]

    def draw(k):
        # rejection sampling proportional to the density 1 / spacing**2
        c = rng.uniform(lo, hi, size=(k * 4, 2))
        c = c[rng.uniform(size=len(c)) < (densest / spacing(c)) ** 2]
        keep = _inside(boundary, c, 0.4 * spacing(c)) & ~shapely.contains_xy(zones, c[:, 0], c[:, 1])
        return c[keep]
    xy, sp = _throw_darts(N_URBAN_RURAL, draw, spacing, xy, sp, 0.65)
    types += ["urban_rural"] * N_URBAN_RURAL
    return xy, np.array(types)


# ----------------------------------------------------------------------- coverage
_OCTAVES = (200.0, 550.0, 1500.0, 4000.0)   # noise wavelengths, metres
_WAVES = 3                           # sine waves per octave and component
_STEEPNESS = 0.045                   # amplitude / wavelength: |grad D| stays well below 1


def _displacement(xy, noise, spacing, ring_distance, damping):
    """The smooth noise field D at ``xy`` (see the module docstring)."""
    angles, phases = noise
    s = spacing(xy)
    out = np.zeros_like(xy)
    for k, wavelength in enumerate(_OCTAVES):
        # long waves are damped where cells are small, so urban cells keep their shape
        amplitude = _STEEPNESS * wavelength * np.minimum(1.0, 1.2 * s / wavelength)
        for c in range(2):
            arg = (2 * np.pi / wavelength) * (np.outer(xy[:, 0], np.cos(angles[k, c]))
                                              + np.outer(xy[:, 1], np.sin(angles[k, c])))
            out[:, c] += amplitude * np.sin(arg + phases[k, c]).mean(axis=1)
    max_amplitude = _STEEPNESS * sum(_OCTAVES)
    # moving at most half the distance to the ring: nothing crosses it
    taper = np.clip(ring_distance / (2 * max_amplitude), 0.0, 1.0)
    return out * (damping * taper)[:, None]


def _displace_lines(lines, noise, spacing, ring, damping):
    """Move every vertex of ``lines`` by D; equal vertices get equal moves."""
    coords = shapely.get_coordinates(lines)
    # computing D once per distinct point makes shared vertices move identically
    # whatever the vectorised sine does at array tails
    unique, inverse = np.unique(coords, axis=0, return_inverse=True)
    ring_distance = shapely.distance(ring, shapely.points(unique))
    moved = unique + _displacement(unique, noise, spacing, ring_distance, damping)
    return shapely.set_coordinates(lines.copy(), moved[inverse.ravel()])


def _clean_faces(lines, area: float):
    """Polygonize ``lines``; None unless they form a clean coverage of ``area``."""
    polygons, cuts, dangles, invalid = shapely.polygonize_full(lines)
    if not all(shapely.is_empty(g) for g in (cuts, dangles, invalid)):
        return None
    faces = shapely.get_parts(polygons)
    if (not shapely.is_valid(faces).all() or abs(shapely.area(faces).sum() - area) > 1e-6 * area
            or not shapely.coverage_is_valid(faces)):
        return None
    return faces


def _assign_faces(faces, points):
    """Face index -> point index; orphan faces join their longest-edge neighbour.

    Returns None when a point is not in exactly one face or a face holds two points.
    """
    tree = shapely.STRtree(faces)
    p_idx, f_idx = tree.query(shapely.points(points), predicate="within")
    if (len(np.unique(p_idx)) != len(points) or len(np.unique(f_idx)) != len(p_idx)):
        return None
    owner = np.full(len(faces), -1)
    owner[f_idx] = p_idx
    while (orphans := np.flatnonzero(owner < 0)).size:
        if not any(np.any(owner[tree.query(faces[f], predicate="touches")] >= 0) for f in orphans):
            return None  # orphans touching only orphans: cannot happen in one coverage
        for f in orphans:
            nbrs = tree.query(faces[f], predicate="touches")
            nbrs = nbrs[owner[nbrs] >= 0]
            if nbrs.size:
                shared = shapely.length(shapely.intersection(faces[f].boundary,
                                                             shapely.boundary(faces[nbrs])))
                owner[f] = owner[nbrs[np.argmax(shared)]]
    return owner


def _cells(rng, boundary: Polygon, seeds: np.ndarray, spacing) -> np.ndarray:
    """One organic polygon per seed, together an exact coverage of ``boundary``."""
    edges = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=boundary.buffer(5000.0),
                                     only_edges=True)
    # noding once: each shared edge and each boundary crossing exists exactly once
    noded = shapely.get_parts(shapely.union_all([edges, boundary.exterior]))
    middle = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    noded = noded[shapely.dwithin(boundary, middle, 1e-6)]
    middle = shapely.get_coordinates(shapely.line_interpolate_point(noded, 0.5, normalized=True))
    # ~35 m segments in the dense core, up to ~110 m in the countryside
    lines = shapely.segmentize(noded, np.clip(35.0 * np.sqrt(spacing(middle) / 300.0), 20.0, 110.0))
    noise = (rng.uniform(0, 2 * np.pi, (len(_OCTAVES), 2, _WAVES)),
             rng.uniform(0, 2 * np.pi, (len(_OCTAVES), 2, _WAVES)))
    seed_ring_distance = shapely.distance(boundary.exterior, shapely.points(seeds))
    for damping in (1.0, 0.5, 0.25, 0.0):
        faces = _clean_faces(_displace_lines(lines, noise, spacing, boundary.exterior, damping),
                             boundary.area)
        if faces is None:
            continue
        moved = seeds + _displacement(seeds, noise, spacing, seed_ring_distance, damping)
        owner = _assign_faces(faces, moved)
        if owner is None:
            continue
        cells = np.empty(len(seeds), dtype=object)
        for i, group in pd.Series(np.arange(len(faces))).groupby(owner):
            cells[i] = faces[group.iloc[0]] if len(group) == 1 else \
                shapely.coverage_union_all(faces[group.to_numpy()])
        return cells
    raise RuntimeError("could not build a clean coverage")  # unreachable for undisplaced Voronoi


# -------------------------------------------------------------------------- regions
def _adjacency(cells: np.ndarray):
    """Pairs (i, j), i < j, of cells sharing an edge of positive length."""
    i, j = shapely.STRtree(cells).query(cells, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(cells[i]),
                                                 shapely.boundary(cells[j])))
    keep = shared > 0
    return i[keep], j[keep]


def _graph_regions(n: int, i: np.ndarray, j: np.ndarray, weight: np.ndarray,
                   sources: list[int]) -> np.ndarray:
    """Multi-source Dijkstra: label of the nearest source for each node, -1 if unreachable.

    Every region is connected: a node's shortest-path predecessor has its label.

    >>> _graph_regions(4, np.array([0, 1, 2]), np.array([1, 2, 3]), np.ones(3), [0, 3]).tolist()
    [0, 0, 1, 1]
    """
    neighbours: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, w in zip(i.tolist(), j.tolist(), weight.tolist()):
        neighbours[a].append((b, w))
        neighbours[b].append((a, w))
    label = np.full(n, -1)
    heap = [(0.0, k, s) for k, s in enumerate(sources)]
    while heap:
        d, k, node = heapq.heappop(heap)
        if label[node] >= 0:
            continue
        label[node] = k
        for other, w in neighbours[node]:
            if label[other] < 0:
                heapq.heappush(heap, (d + w, k, other))
    return label


def _nearest_distinct(points: np.ndarray, targets) -> list[int]:
    """Index of the nearest point to each target, never the same point twice."""
    taken: set[int] = set()
    out = []
    for t in targets:
        for idx in np.argsort(np.linalg.norm(points - t, axis=1)):
            if int(idx) not in taken:
                taken.add(int(idx))
                out.append(int(idx))
                break
    return out


def _kmeans(rng, xy: np.ndarray, k: int, iterations: int = 30) -> np.ndarray:
    """Plain k-means with k-means++ seeding; returns the k centres."""
    centres = [xy[rng.integers(len(xy))]]
    for _ in range(1, k):
        d2 = np.min(np.sum((xy[:, None] - np.array(centres)[None]) ** 2, axis=2), axis=1)
        centres.append(xy[rng.choice(len(xy), p=d2 / d2.sum())])
    centres = np.array(centres)
    for _ in range(iterations):
        nearest = np.argmin(np.sum((xy[:, None] - centres[None]) ** 2, axis=2), axis=1)
        for c in range(k):
            if np.any(nearest == c):
                centres[c] = xy[nearest == c].mean(axis=0)
    return centres


def _allocate(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers >= 1 proportional to ``weights`` summing to ``total`` (largest remainder).

    >>> _allocate(np.array([1.0, 1.0, 2.0]), 7).tolist()
    [2, 2, 3]
    """
    raw = weights / weights.sum() * (total - len(weights))
    out = np.floor(raw).astype(int) + 1
    out[np.argsort(-(raw - np.floor(raw)), kind="stable")[: total - out.sum()]] += 1
    return out


def _neighbour_lists(n: int, i: np.ndarray, j: np.ndarray) -> list[set[int]]:
    """Adjacency sets from an edge list."""
    out: list[set[int]] = [set() for _ in range(n)]
    for a, b in zip(i.tolist(), j.tolist()):
        out[a].add(b)
        out[b].add(a)
    return out


def _is_connected(cells: set[int], adjacent: list[set[int]]) -> bool:
    """Whether ``cells`` form one connected piece of the adjacency graph."""
    todo, seen = [next(iter(cells))], set()
    while todo:
        c = todo.pop()
        if c not in seen:
            seen.add(c)
            todo.extend(adjacent[c] & cells)
    return seen == cells


def _adopt_neighbour(members, local, lone_label, adjacent, ordinary) -> bool:
    """Give a one-grid region a neighbouring grid whose region stays connected
    and keeps an ordinary grid.

    Works in place on ``local`` (labels of ``members``); returns False if no
    neighbour can be spared.
    """
    label_of = dict(zip(members.tolist(), local.tolist()))
    (lone,) = [c for c, lab in label_of.items() if lab == lone_label]
    by_size = sorted((c for c in adjacent[lone] if c in label_of),
                     key=lambda c: -int(np.sum(local == label_of[c])))
    for c in by_size:
        rest = {m for m, lab in label_of.items() if lab == label_of[c] and m != c}
        if len(rest) >= 2 and any(ordinary[m] for m in rest) and _is_connected(rest, adjacent):
            local[members == c] = lone_label
            return True
    return False


def _split(seeds, i, j, length, members, sources) -> np.ndarray:
    """Labels 0..len(sources)-1 of connected regions of the connected cells ``members``."""
    inside = np.zeros(len(seeds), bool)
    inside[members] = True
    inner = inside[i] & inside[j]
    return _graph_regions(len(seeds), i[inner], j[inner], length[inner], list(sources))[members]


def _hierarchy(rng, seeds, spacing, cells, plan, ordinary):
    """Township and village label of every cell (see step 6 of the module docstring)."""
    n = len(seeds)
    i, j = _adjacency(cells)
    length = np.linalg.norm(seeds[i] - seeds[j], axis=1)
    # between metres and hops: urban townships get small areas, not tiny grid counts;
    # the random factors roughen the borders
    hop = length / np.sqrt(spacing[i] * spacing[j]) ** 0.8
    centres = plan["subdistricts"] + plan["towns"]
    township = _graph_regions(n, i, j, hop * rng.uniform(1.0, 1.6, len(i)),
                              _nearest_distinct(seeds, centres))
    urban = np.arange(len(centres)) < len(plan["subdistricts"])
    sizes = np.bincount(township, minlength=len(centres))
    per_township = _allocate(sizes / np.where(urban, _GRIDS_PER_VILLAGE[True],
                                              _GRIDS_PER_VILLAGE[False]), N_VILLAGES)
    rough = length * rng.uniform(1.0, 1.4, len(i))
    adjacent = _neighbour_lists(n, i, j)
    village = np.full(n, -1)
    offset = 0
    for t, k in enumerate(per_township):
        members = np.flatnonzero(township == t)
        # sources: the ordinary cells nearest the k-means centres of all the cells,
        # so there are more villages where grids are dense and each has an ordinary grid
        pool = members[ordinary[members]]
        sources = pool[_nearest_distinct(seeds[pool], _kmeans(rng, seeds[members], k))]
        local = _split(seeds, i, j, rough, members, sources)
        for _ in range(k):
            lones = np.flatnonzero(np.bincount(local, minlength=k) == 1)
            if lones.size == 0:
                break
            if _adopt_neighbour(members, local, lones[0], adjacent, ordinary):
                continue
            # no grid to spare: the lone grid joins a neighbour, the biggest village splits
            (cell,) = members[local == lones[0]]
            local[local == lones[0]] = next(local[members == c][0] for c in adjacent[cell]
                                            if township[c] == t)
            size = np.bincount(local, minlength=k)
            splittable = np.bincount(local[ordinary[members]], minlength=k) >= 2
            part = members[local == np.argmax(np.where(splittable, size, -1))]
            pool = part[ordinary[part]]
            halves = _split(seeds, i, j, rough, part,
                            pool[_nearest_distinct(seeds[pool], _kmeans(rng, seeds[part], 2))])
            local[np.isin(members, part[halves == 1])] = lones[0]
        village[members] = local + offset
        offset += k
    return township, village, urban


def generate_tree(seed: int = 2020) -> AdminTree:
    """Generate the demo city (see the module docstring for the technique).

    Deterministic: the same ``seed`` gives byte-identical geometries.  Takes a
    few seconds.

    Parameters
    ----------
    seed : int
        Seed of the random generator.

    Returns
    -------
    AdminTree
        17 townships, 283 villages and 1,798 grids in EPSG:4326.
    """
    rng = np.random.default_rng(seed)
    boundary = _outer_boundary(rng)
    plan = _plan(rng, boundary)
    spacing_field = _spacing_field(boundary, plan)
    seeds, grid_type = _seeds(rng, boundary, plan, spacing_field)
    cells = _cells(rng, boundary, seeds, spacing_field)
    spacing = np.where(grid_type == "enterprise", _ENTERPRISE_SPACING, spacing_field(seeds))
    township, village, urban = _hierarchy(rng, seeds, spacing, cells, plan,
                                          grid_type == "urban_rural")
    lonlat = shapely.transform(cells, to_lonlat)
    return _assemble(rng, seeds, grid_type, lonlat, township, village, urban)


def _assemble(rng, seeds, grid_type, geoms, township, village, urban) -> AdminTree:
    """The three GeoDataFrames: codes and names from :mod:`geo.names`, geometry dissolved."""
    t_rows, v_rows, g_rows = names.label_areas(rng, CITY_CODE, seeds, township, village,
                                               grid_type, urban)
    t_geom = [shapely.coverage_union_all(geoms[township == t]) for t, *_ in t_rows]
    v_geom = [shapely.coverage_union_all(geoms[village == v]) for v, *_ in v_rows]
    frames = [gpd.GeoDataFrame(pd.DataFrame([r[1:] for r in rows], columns=cols[:-1]),
                               geometry=geom, crs=4326)
              for rows, cols, geom in ((t_rows, TOWNSHIP_COLUMNS, t_geom),
                                       (v_rows, VILLAGE_COLUMNS, v_geom),
                                       (g_rows, GRID_COLUMNS, list(geoms[[g for g, *_ in g_rows]])))]
    return AdminTree(CITY_CODE, CITY_NAME, CITY_NAME_EN, *frames)


__all__ = ["generate_tree", "to_lonlat", "CITY_CODE", "CITY_NAME", "CITY_NAME_EN"]
