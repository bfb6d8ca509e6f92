/* The wall screen's own clockwork (/wall): clock, self-scrolling lists, the tour's timer, the map's
   dark dress and fit, and the watchdog that shows "stale since HH:MM" while the server is out of reach.

   Everything here is idle unless the page holds .gb-wall. Nothing grows with time: one timer for the
   clock and lists, one chain of pings, per-element state in WeakMaps; the lists have a fixed number
   of rows (drawn by the server), so the page's size stays flat over hours. */
(function () {
  'use strict';

  var PING_EVERY_MS = 5000;              // while the server answers
  var PING_TIMEOUT_MS = 3000;            // a ping slower than this counts as a failure
  var BACKOFF_MS = [1000, 2000, 3000];   // between retries while it does not (capped at the last)
  var FAILS_BEFORE_STALE = 2;            // one lost ping is not an outage
  var FIT_W = 880, FIT_H = 680;          // the box dashboards.figures.fit_view fits a scope into

  var W = window.gbWall = {online: true, lastOk: Date.now(), fails: 0, pings: 0};
  var scrollState = new WeakMap();

  function root() { return document.querySelector('.gb-wall'); }

  // --- clock -------------------------------------------------------------------------------------
  var fmtCache = {};
  function formatter(kind, lang, tz) {
    var key = kind + lang + tz;
    if (!fmtCache[key]) {
      var opts = kind === 'clock' ? {hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23'}
        : kind === 'hm' ? {hour: '2-digit', minute: '2-digit', hourCycle: 'h23'}
        : {year: 'numeric', month: 'long', day: 'numeric', weekday: 'long'};
      var locale = lang === 'en' ? 'en-GB' : 'zh-CN';
      opts.timeZone = tz || undefined;   // the deployment's zone, whatever the wall computer's own
      try { fmtCache[key] = new Intl.DateTimeFormat(locale, opts); } catch (e) {
        delete opts.timeZone; fmtCache[key] = new Intl.DateTimeFormat(locale, opts);
      }
    }
    return fmtCache[key];
  }
  function hm(r, ms) { return formatter('hm', r.dataset.lang, r.dataset.tz).format(new Date(ms)); }

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) { el.textContent = text; }
  }

  function drawClock(r, now) {
    setText('wall-clock', formatter('clock', r.dataset.lang, r.dataset.tz).format(new Date(now)));
    setText('wall-date', formatter('date', r.dataset.lang, r.dataset.tz).format(new Date(now)));
  }

  // --- self-scrolling lists ----------------------------------------------------------------------
  // Step one row every data-step-ms; after the last real row the copies are in view, and the list
  // jumps back to the top without a visible seam.  Every answer of the server draws a new list, so
  // the place in the loop is kept per panel (the list's parent stays) and a new list is shown where
  // the old one was: otherwise each refresh would start the loop again, and a refresh coming about
  // as often as a step would keep the list from ever moving.
  function stepList(box, now, stepMs) {
    var ul = box.firstElementChild;
    if (!ul) { return; }
    var rows = ul.children;
    var n = ul.querySelectorAll(':scope > li:not(.gb-wall-dup)').length;
    if (!n) { return; }
    var first = rows[0], last = rows[n - 1];
    var contentH = last.offsetTop + last.offsetHeight - first.offsetTop;
    var panel = box.parentElement || box;
    var st = scrollState.get(panel);
    if (!st) { st = {i: 0, next: now + stepMs, steps: 0, ul: ul}; scrollState.set(panel, st); }
    if (st.i > n) { st.i = 0; }
    if (st.ul !== ul) {                                 // a new answer: the new list takes the old one's place
      st.ul = ul;
      ul.style.transition = 'none';
      ul.style.transform = st.i ? 'translateY(' + (-(rows[st.i].offsetTop - first.offsetTop)) + 'px)' : '';
      ul.dataset.steps = String(st.steps);
    }
    if (contentH <= box.clientHeight + 1) {          // everything fits: stand still, no copies
      if (box.dataset.static !== '1') { box.dataset.static = '1'; }
      if (st.i) { st.i = 0; ul.style.transition = 'none'; ul.style.transform = ''; }
      return;
    }
    if (box.dataset.static !== '0') { box.dataset.static = '0'; }
    if (now < st.next) { return; }
    st.i += 1; st.steps += 1; st.next = now + stepMs;
    ul.style.transition = 'transform 600ms ease';
    ul.style.transform = 'translateY(' + (-(rows[st.i].offsetTop - first.offsetTop)) + 'px)';
    ul.dataset.steps = String(st.steps);
    if (st.i >= n) {                                   // the copy of row 1 is on top: back to the real one
      setTimeout(function () {
        st.i = 0; st.ul.style.transition = 'none'; st.ul.style.transform = 'translateY(0px)';
      }, 650);
    }
  }

  // --- the map: the shell's map figure, dressed for the wall on its way to Plotly --------------------
  // The command view's map callback sends a light figure sized for a laptop; on the wall every figure
  // (full or patched) passes through dressFigure before Plotly draws it: a dark background, a dark-to-
  // red colour scale (bright = needs attention, whichever way the metric runs), light outlines,
  // type and colour bar sized like the page, and a zoom that fills the wall's larger map.
  var DARK_STYLE = {id: 'gridboard-wall', version: 8, sources: {},
                    layers: [{id: 'wall-bg', type: 'background', paint: {'background-color': '#0e1829'}}]};
  var SCALE = [[0, '#17263f'], [0.35, '#6e4a2a'], [0.65, '#e0672e'], [1, '#ff3b30']];
  var SCALE_HIGH_GOOD = [[0, '#ff3b30'], [0.35, '#e0672e'], [0.7, '#6e4a2a'], [1, '#17263f']];

  // the command map's recolour and legend (assets/map.js) use the wall's scale on wall pages
  window.gbMapDressScale = function (scale) {
    if (!root()) { return scale; }
    var first = ((scale || [])[0] || [])[1] || '';
    return String(first).toLowerCase() === '#b30000' ? SCALE_HIGH_GOOD : SCALE;
  };

  function remPx() { return parseFloat(getComputedStyle(document.documentElement).fontSize) || 18; }

  // The zoom that fits the scope's bounds (data-fit of the wall, same formula as
  // dashboards.figures.fit_view) into the map as drawn here; the colour bar keeps a strip on the right.
  function fitZoom(b, w, h) {
    var lonSpan = Math.max(b[2] - b[0], 1e-4);
    var latMid = (b[1] + b[3]) / 2 * Math.PI / 180;
    var latSpan = Math.max((b[3] - b[1]) / Math.max(Math.cos(latMid), 0.2), 1e-4);
    var z = Math.min(Math.log2(360 * w / (512 * lonSpan)), Math.log2(360 * h / (512 * latSpan)));
    return Math.round((z - 0.05) * 100) / 100;
  }

  function fittedZoom(gd, zoom, key) {
    var w = gd.clientWidth, h = gd.clientHeight, r = root();
    if (!w || !h || typeof zoom !== 'number') { return zoom; }
    var fit = null;
    try { fit = r && JSON.parse(r.dataset.fit || 'null'); } catch (e) { fit = null; }
    if (fit && fit.key === key && fit.bounds) { return fitZoom(fit.bounds, w * 0.9, h * 0.97); }
    // another scope's figure (a late answer during a step of the tour): scale the laptop's fit
    return Math.round((zoom + Math.log2(Math.min(w / FIT_W, h / FIT_H))) * 100) / 100;
  }

  function dressFigure(gd, fig) {
    var px = remPx(), k = px / 18;
    var data = (fig.data || []).map(function (tr, i) {
      if (i !== 0 || tr.type !== 'choroplethmap') { return tr; }
      var first = ((tr.colorscale || [])[0] || [])[1] || '';
      var marker = Object.assign({}, tr.marker, {line: {width: 0.5 * k, color: 'rgba(150, 172, 205, 0.35)'}});
      var cb = Object.assign({}, tr.colorbar, {thickness: 0.8 * px, len: 0.7, outlinewidth: 0,
                                               tickfont: {color: '#eef3fb', size: 0.95 * px}});
      return Object.assign({}, tr, {marker: marker, colorbar: cb,
                                    colorscale: String(first).toLowerCase() === '#b30000' ? SCALE_HIGH_GOOD : SCALE});
    });
    var layout = Object.assign({}, fig.layout);
    layout.font = Object.assign({}, layout.font, {color: '#eef3fb', size: px});
    if (layout.map) {
      gd.__wallServerZoom = layout.map.zoom; gd.__wallKey = layout.uirevision;
      gd.__wallFitSize = gd.clientWidth + 'x' + gd.clientHeight;
      layout.map = Object.assign({}, layout.map, {style: DARK_STYLE,
                                                  zoom: fittedZoom(gd, layout.map.zoom, layout.uirevision)});
      layout.map.layers = (layout.map.layers || []).map(function (l) {
        return l.type === 'line' ? Object.assign({}, l, {color: '#b9c7da', line: {width: 1.6 * k}}) : l;
      });
    }
    return Object.assign({}, fig, {data: data, layout: layout});
  }

  function onWallMap(gd) { return !!(gd && gd.closest && gd.closest('#map') && root()); }

  function wrapPlotly(P) {
    if (!P || P.__wallWrapped || typeof P.react !== 'function') { return P; }
    var react = P.react;
    P.react = function (gd, fig) {
      if (arguments.length === 2 && fig && fig.data && onWallMap(gd)) {
        return react.call(this, gd, dressFigure(gd, fig));
      }
      return react.apply(this, arguments);
    };
    P.__wallWrapped = true;
    return P;
  }
  // Plotly may arrive after this script: wrap it the moment it is set
  if (window.Plotly) { wrapPlotly(window.Plotly); } else {
    var plotly;
    Object.defineProperty(window, 'Plotly', {configurable: true, enumerable: true,
      get: function () { return plotly; }, set: function (v) { plotly = wrapPlotly(v); }});
  }

  // a wall whose window changes size (rare) refits its map at once
  function refitOnResize() {
    var gd = document.querySelector('#map .js-plotly-plot');
    if (!gd || gd.__wallServerZoom === undefined || !window.Plotly) { return; }
    var size = gd.clientWidth + 'x' + gd.clientHeight;
    if (size === gd.__wallFitSize) { return; }
    gd.__wallFitSize = size;
    window.Plotly.relayout(gd, {'map.zoom': fittedZoom(gd, gd.__wallServerZoom, gd.__wallKey)});
  }

  // --- the tour -------------------------------------------------------------------------------------
  // A touring wall page names the next stop (data-next) and its dwell. The dwell counts from the moment
  // the page is on screen, so a slow answer never shortens a stop or skips one; while the server is
  // out of reach, or an address is still being drawn, the tour waits.
  var tour = {href: null, since: 0, gone: false};
  function stepTour(r, now) {
    if (r.dataset.href !== tour.href) { tour = {href: r.dataset.href, since: now, gone: false}; }
    var next = r.dataset.next, dwell = parseInt(r.dataset.dwellMs || '0', 10);
    if (!next || tour.gone || !W.online || now - tour.since < dwell) { return; }
    if (r.dataset.path !== window.location.pathname) { return; }
    tour.gone = true;
    setProps('nav', {href: next});
  }

  // --- Dash's undo history ---------------------------------------------------------------------------
  // Dash records every prop change a component makes (each tick of an Interval) for undo/redo, which
  // nothing on a wall uses: left alone it grows by a few entries a minute for as long as the wall runs.
  var KEEP_HISTORY = 10;
  function trimDashHistory() {
    var st = window.store && window.store.getState && window.store.getState();
    var past = st && st.history && st.history.past;
    if (Array.isArray(past) && past.length > KEEP_HISTORY) { past.splice(0, past.length - KEEP_HISTORY); }
  }

  // --- one timer for the clock, the lists and the map ----------------------------------------------
  setInterval(function () {
    var r = root();
    if (!r) { return; }
    refitOnResize();
    trimDashHistory();
    stepTour(r, Date.now());
    var now = Date.now();
    drawClock(r, now);
    var stepMs = parseInt(r.dataset.stepMs || '4000', 10);
    var boxes = document.querySelectorAll('.gb-wall .gb-wall-scroll');
    for (var i = 0; i < boxes.length; i++) { stepList(boxes[i], now, stepMs); }
  }, 250);

  // --- watchdog: is the server there? ---------------------------------------------------------------
  function banner(r) {
    var b = document.getElementById('gb-wall-stale');
    if (!b) {
      b = document.createElement('div');
      b.id = 'gb-wall-stale'; b.setAttribute('role', 'alert'); b.hidden = true;
      document.body.appendChild(b);
    }
    return b;
  }

  function setProps(id, props) {       // stores and locations draw no element: just try
    var dc = window.dash_clientside;
    try { if (dc && dc.set_props) { dc.set_props(id, props); } } catch (e) { /* not on this page */ }
  }

  function wentStale(r) {
    W.online = false;
    var b = banner(r);
    b.textContent = (r.dataset.stale || 'stale since {time}').replace('{time}', hm(r, W.lastOk));
    b.hidden = false;
  }

  function cameBack(r) {
    W.online = true;
    banner(r).hidden = true;
    // The page may lag its address if the server went away during a step of the tour: show the
    // page that is drawn again (the tour then moves on by itself), then refresh every panel now.
    if (r.dataset.path && r.dataset.path !== window.location.pathname) {
      setProps('nav', {href: r.dataset.href});
    }
    setProps('wall-wake', {data: Date.now()});
  }

  function ping() {
    var r = root();
    if (!r) {                                   // not on the wall: look again later
      if (!W.online) { W.online = true; var b = document.getElementById('gb-wall-stale'); if (b) { b.hidden = true; } }
      W.fails = 0; W.lastOk = Date.now();
      setTimeout(ping, PING_EVERY_MS);
      return;
    }
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, PING_TIMEOUT_MS);
    W.pings += 1;
    fetch('/api/v1/version', {cache: 'no-store', credentials: 'same-origin', signal: ctl.signal})
      .then(function (resp) { if (!resp.ok) { throw new Error('HTTP ' + resp.status); } return resp.json(); })
      .then(function () {
        W.fails = 0; W.lastOk = Date.now();
        if (!W.online) { cameBack(r); }
      })
      .catch(function () {
        W.fails += 1;
        if (W.fails >= FAILS_BEFORE_STALE && W.online) { wentStale(r); }
      })
      .then(function () {
        clearTimeout(timer);
        var wait = W.fails ? BACKOFF_MS[Math.min(W.fails - 1, BACKOFF_MS.length - 1)] : PING_EVERY_MS;
        setTimeout(ping, wait);
      });
  }
  setTimeout(ping, PING_EVERY_MS);
})();
