/**
 * Stands in for `jsonwebtoken` in function bundles (infra/bundling/index.ts). MSAL signs with it
 * only for certificate credentials, intuit-oauth verifies with it only in `validateIdToken`
 * (OpenID sign-in); this app authenticates both with client secrets and asks for no ID token.
 * Either use fails loudly here.
 */
function off() {
  throw new Error('jsonwebtoken is not bundled: Microsoft 365 and QuickBooks use client secrets, not certificates or ID tokens.');
}
module.exports = { sign: off, verify: off, decode: off };
