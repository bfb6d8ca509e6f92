/* The command view's panels drawn from plain data (dashboards.panels).
 *
 * The KPI tiles, node counts, categories, the children's ranking, the daily
 * trend and the party card are a few dozen numbers each.  Drawn as Plotly
 * charts, each one cost a chart's set-up on every load and drill, on the same
 * main thread as the map; drawn as Dash components, each update was a new
 * component tree for React.  Here a clientside callback hands the data to
 * gbPanels, which writes each panel's DOM directly into its (childless)
 * container and its title into the card around it:
 *   tiles  the KPI tiles; a tile opens the cases behind it in the drawer,
 *   bars   vertical bars (cases by node); a bar opens its cases in the drawer,
 *   hbars  horizontal bars (categories, ranking); a ranking row is a link that
 *          drills in without reloading the page,
 *   lines  an SVG line chart (new and closed per day), redrawn when its width changes,
 *   party  the party card's figures and the sessions live now,
 *   text   a line of text (the data's time),
 *   message  "no data" or an error, in place of the chart.
 * Every number arrives formatted by the server, so the page shows what the
 * tests check.
 */
(function () {
  'use strict';

  var SVG = 'http://www.w3.org/2000/svg';
  var last = {};

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function maxOf(items) {
    return items.reduce(function (m, it) { return Math.max(m, it.value || 0); }, 0) || 1;
  }

  function message(root, d) {
    var box = el('div', 'gb-panel-msg' + (d.error ? ' gb-error' : ''), d.text);
    if (d.error) { box.setAttribute('role', 'alert'); }
    root.appendChild(box);
  }

  // a tile or a node's bar opens the cases behind it (the drawer's opener listens to case-pick)
  function pick(filter) {
    var dc = window.dash_clientside;
    if (dc && dc.set_props) { dc.set_props('case-pick', {data: {filter: filter, at: Date.now()}}); }
  }

  function tiles(root, d) {
    d.items.forEach(function (it) {
      var tile = el('button', 'gb-tile' + (it.tone ? ' ' + it.tone : ''));
      tile.type = 'button';
      tile.title = d.hint;
      tile.setAttribute('data-filter', it.pick);
      tile.appendChild(el('div', 'gb-tile-label', it.label));
      tile.appendChild(el('div', 'gb-tile-value', it.text));
      tile.appendChild(el('div', 'gb-tile-sub', it.sub));
      tile.addEventListener('click', function () { pick(it.pick); });
      root.appendChild(tile);
    });
  }

  function party(root, d) {
    var stats = el('div', 'gb-party-stats');
    d.stats.forEach(function (s) {
      var stat = el('div', 'gb-party-stat');
      stat.appendChild(el('b', '', s.text));
      stat.appendChild(el('span', '', s.label));
      stats.appendChild(stat);
    });
    root.appendChild(stats);
    root.appendChild(el('div', 'gb-card-title', d.live_title));
    if (!d.live.length) { root.appendChild(el('div', 'gb-asof', d.none)); return; }
    var list = el('ul', 'gb-live');
    d.live.forEach(function (s) {
      var item = el('li');
      item.appendChild(el('span', 'gb-dot'));
      item.appendChild(document.createTextNode(s.text));
      item.appendChild(el('span', 'gb-asof', '  ' + s.count));
      list.appendChild(item);
    });
    root.appendChild(list);
  }

  function text(root, d) { root.textContent = d.text; }

  function bars(root, d) {
    var top = maxOf(d.items), row = el('div', 'gb-vbars');
    d.items.forEach(function (it) {
      var col = el('button', 'gb-vbar');
      col.type = 'button';
      col.title = it.label + ': ' + it.text;
      var plot = el('div', 'gb-vbar-plot');
      var bar = el('div', 'gb-vbar-fill');
      bar.style.height = (100 * (it.value || 0) / top) + '%';
      bar.style.background = it.color;
      plot.appendChild(el('div', 'gb-vbar-value', it.text));
      plot.appendChild(bar);
      col.appendChild(plot);
      col.appendChild(el('div', 'gb-vbar-label', it.label));
      col.addEventListener('click', function () { pick(it.pick); });
      row.appendChild(col);
    });
    root.appendChild(row);
  }

  // a link inside the app: the shell's location takes the address (as a click on the map does), and
  // Dash's router draws the page without a reload; a click that asks for a new tab is left to the browser
  function follow(event) {
    var dc = window.dash_clientside;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey ||
        !dc || !dc.set_props) { return; }
    event.preventDefault();
    dc.set_props('nav', {href: event.currentTarget.getAttribute('href')});
    window.scrollTo(0, 0);
  }

  function hbars(root, d) {
    var top = maxOf(d.items), list = el('div', 'gb-hbars');
    d.items.forEach(function (it) {
      var row = el(it.href ? 'a' : 'div', 'gb-hbar' + (it.faded ? ' gb-faded' : ''));
      if (it.href) { row.href = it.href; row.addEventListener('click', follow); }
      row.title = it.label + ': ' + it.text;
      var track = el('span', 'gb-hbar-track');
      var bar = el('span', 'gb-hbar-fill');
      // the longest bar takes 70% of the track, leaving room for its value
      bar.style.width = (70 * (it.value || 0) / top) + '%';
      if (it.color) { bar.style.background = it.color; }
      track.appendChild(bar);
      track.appendChild(el('span', 'gb-hbar-value', it.text));
      row.appendChild(el('span', 'gb-hbar-label', it.label));
      row.appendChild(track);
      list.appendChild(row);
    });
    root.appendChild(list);
  }

  // 1, 2 or 5 times a power of ten: about four steps up to the largest value
  function niceStep(max) {
    var raw = Math.max(max, 1) / 4, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }

  function lines(root, d) {
    var legend = el('div', 'gb-legend-row');
    d.series.forEach(function (s) {
      var key = el('span', 'gb-legend-key');
      var swatch = el('span', 'gb-legend-swatch');
      swatch.style.background = s.color;
      key.appendChild(swatch);
      key.appendChild(document.createTextNode(s.name));
      legend.appendChild(key);
    });
    root.appendChild(legend);
    var width = Math.max(root.clientWidth, 200), height = Math.max(root.clientHeight - legend.offsetHeight, 120);
    var m = {l: 44, r: 22, t: 8, b: 22}, w = width - m.l - m.r, h = height - m.t - m.b, n = d.x.length;
    var max = 0;
    d.series.forEach(function (s) { s.values.forEach(function (v) { max = Math.max(max, v || 0); }); });
    var step = niceStep(max), ymax = Math.ceil(Math.max(max, 1) / step) * step;
    var x = function (i) { return m.l + (n > 1 ? w * i / (n - 1) : w / 2); };
    var y = function (v) { return m.t + h - h * (v || 0) / ymax; };
    var chart = svg('svg', {width: width, height: height, 'class': 'gb-lines', role: 'img'});
    for (var g = 0; g <= ymax + 1e-9; g += step) {
      chart.appendChild(svg('line', {x1: m.l, x2: m.l + w, y1: y(g), y2: y(g), 'class': 'gb-grid'}));
      chart.appendChild(svg('text', {x: m.l - 6, y: y(g) + 4, 'text-anchor': 'end', 'class': 'gb-tick'},
                            g.toLocaleString('en-US')));
    }
    var every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(w / 56))));
    d.ticks.forEach(function (label, i) {
      if (i % every === 0 || i === n - 1 && n <= 2) {
        chart.appendChild(svg('text', {x: x(i), y: m.t + h + 16, 'text-anchor': 'middle', 'class': 'gb-tick'}, label));
      }
    });
    d.series.forEach(function (s) {
      chart.appendChild(svg('polyline', {points: s.values.map(function (v, i) { return x(i) + ',' + y(v); }).join(' '),
                                         fill: 'none', stroke: s.color, 'stroke-width': 2.5,
                                         'stroke-linejoin': 'round'}));
      s.values.forEach(function (v, i) {
        chart.appendChild(svg('circle', {cx: x(i), cy: y(v), r: 2.5, fill: s.color}));
      });
    });
    // one hover band per day, saying every series' value on that day
    var band = n > 1 ? w / (n - 1) : w;
    d.x.forEach(function (day, i) {
      var hit = svg('rect', {x: x(i) - band / 2, y: m.t, width: band, height: h, 'class': 'gb-hit'});
      hit.appendChild(svg('title', {}, [day].concat(d.series.map(function (s) {
        return s.name + ': ' + s.texts[i];
      })).join('\n')));
      chart.appendChild(hit);
    });
    root.appendChild(chart);
  }

  var DRAW = {message: message, tiles: tiles, bars: bars, hbars: hbars, lines: lines, party: party, text: text};

  function draw(id) {
    var root = document.getElementById(id), d = last[id];
    if (!root || !d || !DRAW[d.kind]) { return; }
    root.textContent = '';
    root.setAttribute('data-kind', d.kind);
    var card = d.title && root.closest('.gb-card'), title = card && card.querySelector('.gb-card-title');
    if (title) { title.textContent = d.title; }
    DRAW[d.kind](root, d);
    window.dispatchEvent(new CustomEvent('gb:drawn', {detail: id}));
  }

  // the line chart is drawn to its box's size: draw it again when that changes
  var sizes = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (e) {
      var id = e.target.id, d = last[id];
      // (an element taken off the page reports a width of 0: not a reason to draw)
      if (d && d.kind === 'lines' && e.target.isConnected && e.contentRect.width > 0 &&
          e.target.__gbWidth !== e.contentRect.width) { draw(id); }
      e.target.__gbWidth = e.contentRect.width;
    });
  }) : null;

  function renderOne(id, data) {
    last[id] = data;
    draw(id);
    var root = document.getElementById(id);
    if (sizes && root && !root.__gbObserved) {
      root.__gbObserved = true;
      root.__gbWidth = root.clientWidth;  // drawn at this width already
      sizes.observe(root);
    }
  }

  window.gbPanels = {
    // panels by their container's id: gbPanels.render({kpis: …, nodes: …})
    render: function (panels) {
      Object.keys(panels || {}).forEach(function (id) { if (panels[id]) { renderOne(id, panels[id]); } });
      return window.dash_clientside.no_update;
    }
  };
})();
