/**
 * Stands in for `winston` in function bundles (infra/bundling/index.ts). intuit-oauth loads it
 * only for its optional file log under ./logs (`logging: true`), which a Lambda function cannot
 * write; this app never turns it on and logs through Powertools. Turning it on fails loudly here.
 */
function off() {
  throw new Error('winston is not bundled: leave intuit-oauth `logging` off (the app logs through Powertools).');
}
const anything = new Proxy({}, { get: () => off });
module.exports = { createLogger: off, format: anything, transports: anything };
