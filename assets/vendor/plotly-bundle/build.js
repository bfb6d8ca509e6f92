// Builds ../plotly-gridboard.min.js: plotly.js with only the trace types gridboard draws (see README.md).
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const version = require('plotly.js/package.json').version;

// the options of plotly.js's own build (its esbuild-config.js), minified, with a banner naming the version
esbuild.build({
    entryPoints: ['./entry.js'],
    outfile: '../plotly-gridboard.min.js',
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    legalComments: 'none',
    banner: {js: `/* plotly.js v${version} (MIT license, Copyright Plotly, Inc.), partial bundle for gridboard: ` +
                  'core + bar, scatter, choroplethmap, scattermap */'},
    plugins: [InlineCSSPlugin(), glsl({minify: true}), environmentPlugin({NODE_DEBUG: false})],
    alias: {regl: '@plotly/regl', stream: 'stream-browserify'},
    define: {global: 'window', 'define.amd': 'false'},
    target: 'es2016',
    logLevel: 'info',
}).catch(() => process.exit(1));
