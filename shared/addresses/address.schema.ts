/** Address: request bodies and the resource as API.md defines them. */
import * as z from 'zod';
import { id, multiline, text, patchBody } from '../common/schemas';

/** ISO 3166-1 alpha-2 codes (all 249 officially assigned). */
export const COUNTRY_CODES = [
  'AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ',
  'BA', 'BB', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS', 'BT', 'BV', 'BW', 'BY', 'BZ',
  'CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ',
  'DE', 'DJ', 'DK', 'DM', 'DO', 'DZ',
  'EC', 'EE', 'EG', 'EH', 'ER', 'ES', 'ET',
  'FI', 'FJ', 'FK', 'FM', 'FO', 'FR',
  'GA', 'GB', 'GD', 'GE', 'GF', 'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY',
  'HK', 'HM', 'HN', 'HR', 'HT', 'HU',
  'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT',
  'JE', 'JM', 'JO', 'JP',
  'KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP', 'KR', 'KW', 'KY', 'KZ',
  'LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY',
  'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK', 'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ',
  'NA', 'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ',
  'OM',
  'PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM', 'PN', 'PR', 'PS', 'PT', 'PW', 'PY',
  'QA',
  'RE', 'RO', 'RS', 'RU', 'RW',
  'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS', 'ST', 'SV', 'SX', 'SY', 'SZ',
  'TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO', 'TR', 'TT', 'TV', 'TW', 'TZ',
  'UA', 'UG', 'UM', 'US', 'UY', 'UZ',
  'VA', 'VC', 'VE', 'VG', 'VI', 'VN', 'VU',
  'WF', 'WS',
  'YE', 'YT',
  'ZA', 'ZM', 'ZW',
] as const;
const COUNTRIES: ReadonlySet<string> = new Set(COUNTRY_CODES);

const country = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2}$/, 'Must be a two-letter ISO 3166-1 country code')
  .transform((c) => c.toUpperCase())
  .refine((c) => COUNTRIES.has(c), 'Not an ISO 3166-1 alpha-2 country code');

const access = z
  .strictObject({
    name: text(200).min(1, 'Name is required'),
    phone: text(50).nullable().optional(),
    email: z.email().max(254).nullable().optional(),
    notes: multiline(2000).nullable().optional(),
  });

/** The optional fields; `null` clears them on PATCH. */
const optional = {
  label: text(100).nullable(),
  line2: text(200).nullable(),
  region: text(100).nullable(),
  postalCode: text(20).nullable(),
  access: access.nullable(),
};

export const createAddressBody = z
  .strictObject({
    line1: text(200).min(1, 'Line 1 is required'),
    city: text(100).min(1, 'City is required'),
    country,
    isBilling: z.boolean().default(false),
    isSite: z.boolean().default(false),
    ...z.object(optional).partial().shape,
  })
  .meta({ id: 'CreateAddress' });
export type CreateAddressInput = z.output<typeof createAddressBody>;

export const updateAddressBody = patchBody(
  z.strictObject({
    line1: text(200).min(1, 'Line 1 is required'),
    city: text(100).min(1, 'City is required'),
    country,
    isBilling: z.boolean(),
    isSite: z.boolean(),
    ...optional,
  }),
)
  .meta({ id: 'UpdateAddress' });
export type UpdateAddressInput = z.output<typeof updateAddressBody>;

export const addressParams = z.object({ id, addressId: id });

export const addressSchema = z
  .object({
    id,
    label: z.string().nullable(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable(),
    postalCode: z.string().nullable(),
    country: z.string().meta({ description: 'ISO 3166-1 alpha-2' }),
    isBilling: z.boolean(),
    isSite: z.boolean(),
    access: z
      .object({ name: z.string(), phone: z.string().nullable(), email: z.string().nullable(), notes: z.string().nullable() })
      .nullable()
      .meta({ description: 'Who grants access on site (e.g. a tenant or letting agent)' }),
    version: z.number().int().meta({ description: 'Also sent as `ETag`; `If-Match` on PATCH and DELETE' }),
  })
  .meta({ id: 'Address' });
export type Address = z.output<typeof addressSchema>;

/** A company's addresses are read in one request, so there is never a next page. */
export const addressListSchema = z.object({ items: z.array(addressSchema), nextCursor: z.null() }).meta({ id: 'AddressList' });

/** The fields a create or update may set, in API order. */
export const ADDRESS_FIELDS = ['label', 'line1', 'line2', 'city', 'region', 'postalCode', 'country', 'isBilling', 'isSite', 'access'] as const satisfies readonly (keyof Address)[];
