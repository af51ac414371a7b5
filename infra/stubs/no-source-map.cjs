// Stands in for the `source-map` package in the Lambda bundles (infra/bundling.ts BUNDLE_ALIASES).
// Handlebars' compiler requires it only to emit source maps of compiled templates, which Mailroom
// never asks for; without SourceNode it uses its own small stand-in. Saves ~26 KiB per bundle.
module.exports = {};
