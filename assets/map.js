/* The command map's recolour: new values applied as MapLibre feature state.
 *
 * A Plotly restyle of a choroplethmap rebuilds its GeoJSON source, and MapLibre
 * re-tiles all 1,798 grids: ~400 ms in a software-rendered browser.  Feature
 * state changes only the colour of features already tiled: ~20-40 ms.  So the
 * server sends the values (dashboards.figures.map_paint) and this file
 *   1. points the fill layer's colour and opacity at feature state (once per
 *      drawn figure; Plotly's own per-feature colours stay the fallback),
 *   2. sets each grid's colour, computed from the same colour scale,
 *   3. keeps Plotly's hover in step (the values it reads are updated in place),
 *   4. draws the legend in HTML (Plotly's colour bar would need a restyle).
 * When that is not possible (no map yet, a figure still being drawn, ids that
 * are not numbers) it falls back to a plain Plotly.restyle, slower but right.
 * Every grid is in the figure; an empty value is drawn transparent.
 */
(function () {
  'use strict';

  function hexToRgb(hex) {
    var h = String(hex).replace('#', '');
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }

  // linear in RGB between the stops, as Plotly interpolates a colour scale
  function colourAt(scale, t) {
    if (!(t >= 0)) { t = 0; }
    if (t > 1) { t = 1; }
    for (var i = 1; i < scale.length; i++) {
      if (t <= scale[i][0] || i === scale.length - 1) {
        var a = scale[i - 1], b = scale[i], span = (b[0] - a[0]) || 1, f = Math.min(Math.max((t - a[0]) / span, 0), 1);
        var ca = hexToRgb(a[1]), cb = hexToRgb(b[1]);
        return 'rgb(' + [0, 1, 2].map(function (k) { return Math.round(ca[k] + (cb[k] - ca[k]) * f); }).join(', ') + ')';
      }
    }
    return scale[scale.length - 1][1];
  }

  // a page may restyle the scale (the wall's dark theme sets window.gbMapDressScale)
  function scaleFor(paint) {
    return window.gbMapDressScale ? window.gbMapDressScale(paint.colorscale) : paint.colorscale;
  }

  function theMap() {
    var gd = document.querySelector('#map .js-plotly-plot');
    var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return {gd: gd, map: sub && sub.map};
  }

  function restyle(gd, paint) {
    if (!gd || !window.Plotly || !gd.data || !gd.data.length) { return; }
    var z = paint.z.map(function (v) { return v === null || v === undefined ? paint.zmin : v; });
    window.Plotly.restyle(gd, {z: [z], zmin: paint.zmin, zmax: paint.zmax, colorscale: [scaleFor(paint)],
                               'marker.opacity': [paint.opacity], text: [paint.text],
                               hovertemplate: paint.hovertemplate}, [0]);
  }

  function recolour(paint) {
    var m = theMap(), gd = m.gd, map = m.map;
    // values of another view (a recolour answered after a drill's new figure) are not this map's
    if (!gd || !gd.layout || (paint.key && gd.layout.uirevision !== paint.key)) { return; }
    var trace = gd && gd._fullData && gd._fullData[0];
    var cd = gd && gd.calcdata && gd.calcdata[0];
    var ids = trace && trace.locations;
    if (!map || !trace || trace.type !== 'choroplethmap' || !cd || !ids || ids.length !== paint.z.length ||
        !map.isStyleLoaded()) { return restyle(gd, paint); }
    // every grid is in the source (an empty value is drawn transparent), so only colours change
    var drawn = {};
    for (var c = 0; c < cd.length; c++) { drawn[cd[c].loc] = c; }
    var fill = (map.getStyle().layers || []).filter(function (l) {
      return l.type === 'fill' && l.id.indexOf('plotly-trace-layer') === 0;
    })[0];
    if (!fill) { return restyle(gd, paint); }
    for (var i = 0; i < ids.length; i++) {
      if (drawn[ids[i]] === undefined || !/^\d{1,15}$/.test(String(ids[i]))) { return restyle(gd, paint); }
    }
    var colour = map.getPaintProperty(fill.id, 'fill-color');
    if (!Array.isArray(colour) || colour[0] !== 'coalesce') {
      map.setPaintProperty(fill.id, 'fill-color', ['coalesce', ['feature-state', 'fc'], ['get', 'fc']]);
      map.setPaintProperty(fill.id, 'fill-opacity', ['coalesce', ['feature-state', 'mo'], ['get', 'mo']]);
    }
    var scale = scaleFor(paint), span = (paint.zmax - paint.zmin) || 1;
    var z = paint.z.map(function (v) { return v === null || v === undefined ? paint.zmin : v; });
    for (var j = 0; j < ids.length; j++) {
      var empty = paint.z[j] === null || paint.z[j] === undefined;
      map.setFeatureState({source: fill.source, id: Number(ids[j])},
                          {fc: empty ? 'rgba(0, 0, 0, 0)' : colourAt(scale, (z[j] - paint.zmin) / span),
                           mo: paint.opacity[j]});
      var point = cd[drawn[ids[j]]];
      point.z = z[j];
      point.tx = paint.text[j];
    }
    // what hover and a later redraw read: the trace's own arrays
    trace.z = gd.data[0].z = z;
    trace.text = gd.data[0].text = paint.text;
    trace.hovertemplate = gd.data[0].hovertemplate = paint.hovertemplate;
    trace.zmin = gd.data[0].zmin = paint.zmin;
    trace.zmax = gd.data[0].zmax = paint.zmax;
  }

  function legend(spec) {
    var box = document.getElementById('map-legend');
    if (!box) { return; }
    box.textContent = '';
    if (!spec) { box.style.display = 'none'; return; }
    box.style.display = '';
    var scale = scaleFor(spec);
    var title = document.createElement('div');
    title.className = 'gb-legend-title';
    title.textContent = spec.title;
    var bar = document.createElement('div');
    bar.className = 'gb-legend-bar';
    bar.style.background = 'linear-gradient(to right, ' + scale.map(function (s) {
      return s[1] + ' ' + Math.round(s[0] * 100) + '%';
    }).join(', ') + ')';
    var labels = document.createElement('div');
    labels.className = 'gb-legend-labels';
    spec.labels.forEach(function (text) {
      var span = document.createElement('span');
      span.textContent = text;
      labels.appendChild(span);
    });
    box.appendChild(title);
    box.appendChild(bar);
    box.appendChild(labels);
    if (spec.note) {
      var note = document.createElement('div');
      note.className = 'gb-legend-note';
      note.textContent = spec.note;
      box.appendChild(note);
    }
  }

  // MapLibre repaints for 300 ms after every change to cross-fade map labels (its fadeDuration).
  // These maps have no labels, so those frames draw the same picture again: five or so per load,
  // drill or recolour, each a whole frame drawn in software on a machine without a GPU. Plotly
  // does not pass the option through, so it is set on every map as soon as the map appears.
  function noFade(map) {
    if (typeof map._fadeDuration === 'number') { map._fadeDuration = 0; }
  }

  // A frame drawn while a layer's tiles are still being cut (a first load, a drill) is drawn again
  // once they have arrived, and in a software-rendered browser each frame costs ~100 ms of the
  // cores that cut them.  So, unless the map is being moved, the last whole picture stays up until
  // the next one is whole: one frame instead of four or five.  MapLibre asks for a frame whenever a
  // tile arrives; after HOLD_MS a frame is drawn whatever has arrived.
  var HOLD_MS = 1500;
  function holdPartialFrames(map) {
    var painter = map.painter;
    if (!painter || typeof painter.render !== 'function' || painter.gbHold) { return; }
    var render = painter.render, since = 0, timer = null;
    painter.render = function () {
      var whole = !map.style || (map.style.loaded() && map.areTilesLoaded());
      var now = performance.now();
      if (whole || map.isMoving() || (since && now - since > HOLD_MS)) {
        since = 0;
        clearTimeout(timer);
        return render.apply(this, arguments);
      }
      if (!since) {
        since = now;
        timer = setTimeout(function () { map.triggerRepaint(); }, HOLD_MS + 20);
      }
      return undefined;
    };
    painter.gbHold = true;
  }

  function tuneMaps() {
    document.querySelectorAll('.js-plotly-plot').forEach(function (gd) {
      var sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      if (sub && sub.map) {
        noFade(sub.map);
        holdPartialFrames(sub.map);
      }
    });
  }
  // Dash's graph asks Plotly to fit the graph to its box after its first plot, and whenever the box
  // changes.  Plotly waits 100 ms, then relayouts the graph, even when the box has the size the graph
  // already has: nothing is redrawn, but the page is busy for those 100 ms after a map's first figure
  // has drawn.  So a resize to the same size (within Plotly's own 1 px) ends at once.
  function sameSize(gd) {
    var full = gd && gd._fullLayout, ctx = (gd && gd._context) || {};
    if (!full || !gd.layout || ctx.fillFrame || ctx.frameMargins || !gd.offsetParent) { return false; }
    var style = window.getComputedStyle(gd);
    return Math.abs(parseFloat(style.width) - full.width) <= 1 && Math.abs(parseFloat(style.height) - full.height) <= 1;
  }
  function quickResize() {
    var plots = window.Plotly && window.Plotly.Plots;
    if (!plots || !plots.resize || plots.resize.gbQuick) { return; }
    var resize = plots.resize;
    plots.resize = function (gd) {
      var div = typeof gd === 'string' ? document.getElementById(gd) : gd;
      return sameSize(div) && !div._resolveResize ? Promise.resolve(div) : resize.apply(this, arguments);
    };
    plots.resize.gbQuick = true;
  }
  // plotly.js arrives as a script that Dash's graph adds when it first draws
  document.addEventListener('load', function (e) {
    if (e.target && e.target.tagName === 'SCRIPT') { quickResize(); }
  }, true);

  var canvases = document.getElementsByClassName('maplibregl-canvas'), seen = 0;
  new MutationObserver(function () {
    if (canvases.length !== seen) { seen = canvases.length; tuneMaps(); }
  }).observe(document.documentElement, {childList: true, subtree: true});

  window.gbMap = {
    paint: function (paint) {
      tuneMaps();
      if (paint) {
        legend(paint.legend);
        if (!paint.full) { recolour(paint); }
      }
      return window.dash_clientside.no_update;
    }
  };
})();
