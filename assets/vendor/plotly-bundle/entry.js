'use strict';
// gridboard's plotly.js: the core (which has scatter) and the other trace types the app draws
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/choroplethmap'),
    require('plotly.js/lib/scattermap'),
]);
module.exports = Plotly;
