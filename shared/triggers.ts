/**
 * Cognito triggers, as data: the CDK stack attaches each to its pool, and the local stack
 * serves them to cognito-local through a Lambda Invoke endpoint. cognito-local runs
 * PreTokenGeneration but has no PreAuthentication; the login check lives in both, so a
 * refused contact gets no token either way.
 */
export const cognitoTriggers = [
  { pool: 'portal', trigger: 'PreAuthentication', handler: 'functions/portal/pre-authentication.ts', table: 'read', summary: "Refuses the password login of a user not bound to a contact (by sub), an inactive contact or a paused company" },
  {
    pool: 'portal',
    trigger: 'PreTokenGeneration',
    handler: 'functions/portal/pre-token-generation.ts',
    // Writes one counter: the company's portal logins of the month (health's engagement).
    table: 'write',
    summary: "Resolves the contact from the user's sub (the server's binding only), refuses inactive contacts and paused companies (also on refresh and SSO logins) and puts contactId and companyId in the ID token; counts the login for the company's portal engagement",
  },
] as const;

export type CognitoTrigger = (typeof cognitoTriggers)[number];
