/**
 * Stands in for the `form-data` package in function bundles (infra/bundling/index.ts): axios
 * (under intuit-oauth) falls back to it where a runtime has no FormData. Node.js 22 has one,
 * which axios sends as it sends the package's, so the package and its MIME database stay out.
 */
module.exports = globalThis.FormData;
