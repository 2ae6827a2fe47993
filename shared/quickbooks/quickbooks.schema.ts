/** QuickBooks Online: request and response shapes of the integration routes, and the stored connection. */
import * as z from 'zod';

/** `GET /v1/integrations/quickbooks/connect` */
export const connectResponse = z.object({ url: z.url() }).meta({ id: 'QuickBooksConnect' });

/** Intuit's redirect back: `code`, `state`, `realmId`, or `error` (with `state`). */
export const callbackQuery = z.object({
  code: z.string().min(1).max(2048).optional(),
  state: z.string().min(1).max(2048).optional(),
  realmId: z.string().regex(/^\d{1,32}$/, 'Must be a QuickBooks company id').optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
});

export const callbackResponse = z.object({ connected: z.literal(true), realmId: z.string() }).meta({ id: 'QuickBooksConnected' });

export const linkCompanyBody = z
  .strictObject({
    /** An existing QuickBooks customer's `Id`; absent: create one named after the company. */
    customerId: z.string().trim().regex(/^\d{1,20}$/, 'Must be a QuickBooks customer Id').optional(),
  })
  .meta({ id: 'LinkQuickBooksCustomer' });
export type LinkCompanyInput = z.output<typeof linkCompanyBody>;

/** What the signed OAuth `state` carries: who started the connect, and until when it is good. */
export const oauthState = z.object({ sub: z.string(), email: z.string().nullable(), exp: z.number(), nonce: z.string() });
export type OAuthState = z.output<typeof oauthState>;

/** The decrypted token set (never returned, never logged). */
export const storedTokens = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  /** Epoch ms. */
  accessExpiresAt: z.number(),
  refreshExpiresAt: z.number(),
});
export type StoredTokens = z.output<typeof storedTokens>;

/** The part of a QuickBooks Customer this integration reads. */
export const qbCustomer = z.looseObject({ Id: z.string(), SyncToken: z.string(), DisplayName: z.string(), Active: z.boolean().optional() });
export type QbCustomer = z.output<typeof qbCustomer>;

/** The part of a QuickBooks Invoice this integration reads. */
export const qbInvoice = z.looseObject({ Id: z.string(), SyncToken: z.string(), DocNumber: z.string().optional(), CustomerRef: z.looseObject({ value: z.string() }), TotalAmt: z.number() });
export type QbInvoice = z.output<typeof qbInvoice>;

/** What an invoice create sends (SalesItemLineDetail lines; amounts as QuickBooks takes them, numbers with 2 decimals). */
export interface QbInvoiceInput {
  DocNumber: string;
  TxnDate: string;
  DueDate?: string;
  CustomerRef: { value: string };
  CurrencyRef: { value: string };
  Line: { DetailType: 'SalesItemLineDetail'; Amount: number; Description: string; SalesItemLineDetail: { Qty: number; UnitPrice: number } }[];
}
