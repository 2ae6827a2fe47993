/**
 * Verifying a Cognito user pool's JWT as API Gateway's JWT authorizer does: signature from the
 * pool's JWKS, issuer, audience in `aud` (ID token) or `client_id` (access token), expiry. The
 * local gateway stands in for that authorizer with it, and a route that also takes integration
 * keys (so the gateway passes it through unauthenticated) verifies a staff token with it in the
 * function (`shared/http/request.ts`).
 */
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

export type Verify = (token: string) => Promise<JwtPayload>;

export interface PoolRef {
  userPoolId: string;
  clientId: string;
}

/**
 * A verifier for `pool`. `endpoint`: a local Cognito's (cognito-local), whose issuer is
 * `<endpoint>/<poolId>` and which serves its JWKS over http, loaded here (aws-jwt-verify fetches
 * over https only); none: AWS, `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
 */
export const poolVerifier = async (pool: PoolRef, endpoint?: string, region = process.env.AWS_REGION ?? 'us-east-1'): Promise<Verify> => {
  const { JwtRsaVerifier } = await import('aws-jwt-verify');
  const issuer = endpoint ? `${endpoint.replace(/\/$/, '')}/${pool.userPoolId}` : `https://cognito-idp.${region}.amazonaws.com/${pool.userPoolId}`;
  const verifier = JwtRsaVerifier.create({
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    // HTTP API authorizers accept the audience in `aud` (ID token) or `client_id` (access token).
    audience: null,
    customJwtCheck: ({ payload }) => {
      if (payload.aud !== pool.clientId && payload.client_id !== pool.clientId) throw new Error('Token was issued for another client');
    },
  });
  if (endpoint) {
    const res = await fetch(`${issuer}/.well-known/jwks.json`);
    verifier.cacheJwks((await res.json()) as Parameters<typeof verifier.cacheJwks>[0]);
  }
  return (token) => verifier.verify(token) as Promise<JwtPayload>;
};

/** API Gateway passes every claim as a string; arrays as `[a b]`. */
export const stringifyClaims = (payload: JwtPayload): Record<string, string> =>
  Object.fromEntries(
    Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)]),
  );
