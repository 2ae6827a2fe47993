/** Installer tokens and device registration (API.md "Installer tokens and devices"): request bodies and resources. */
import * as z from 'zod';
import { id, isoTime, pageOf, text } from '../common/schemas';
import { ASSET_KINDS } from '../records/record.schema';

/** A token expires within a year at most. */
export const MAX_TOKEN_DAYS = 365;
export const MAX_TOKEN_MS = MAX_TOKEN_DAYS * 24 * 60 * 60 * 1000;

/** A serial number as compared: case and spaces ignored (`c02 xy1` is `C02XY1`). */
export const normalizeSerial = (serial: string): string => serial.replace(/\s+/g, '').toUpperCase();

export const createInstallerTokenBody = z
  .object({
    label: text(100).min(1).meta({ description: 'What it is for, e.g. "Office rollout March"' }),
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((v) => Date.parse(v) > Date.now(), 'Must be in the future')
      .refine((v) => Date.parse(v) <= Date.now() + MAX_TOKEN_MS, `Must be at most ${MAX_TOKEN_DAYS} days ahead`)
      .meta({ description: `When it stops working: in the future, at most ${MAX_TOKEN_DAYS} days ahead` }),
    maxUses: z.number().int().min(1).max(100_000).nullable().default(null).meta({ description: 'How many registrations it allows; null: no limit' }),
  })
  .strict();
export type CreateInstallerTokenInput = z.output<typeof createInstallerTokenBody>;

export const installerTokenSchema = z
  .object({
    id,
    companyId: id,
    label: z.string(),
    hint: z.string().meta({ description: "The token's first characters, to tell tokens apart (`cit_<id>_ab12…`)" }),
    expiresAt: isoTime,
    uses: z.number().int().meta({ description: 'Registrations made with it (a re-install counts too)' }),
    maxUses: z.number().int().nullable(),
    revokedAt: isoTime.nullable(),
    createdAt: isoTime,
    createdBy: z.string().meta({ description: 'The staff user who created it (Cognito `sub`)' }),
  })
  .meta({ id: 'InstallerToken' });
export type InstallerToken = z.output<typeof installerTokenSchema>;

export const createdInstallerTokenSchema = installerTokenSchema
  .extend({ token: z.string().meta({ description: 'The token (`cit_…`), shown this once: the agent sends it as `Authorization: Installer <token>`' }) })
  .meta({ id: 'CreatedInstallerToken' });

export const installerTokenPageSchema = pageOf(installerTokenSchema, 'InstallerTokenPage');

export const registerDeviceBody = z
  .object({
    hostname: text(200).min(1),
    serialNumber: text(100).refine((v) => normalizeSerial(v).length > 0, 'Required'),
    os: text(100).nullable().default(null),
    kind: z.enum(ASSET_KINDS).optional().meta({ description: 'A new asset is a `computer` unless it says; a re-install without it keeps the kind the asset has' }),
  })
  .strict();
export type RegisterDeviceInput = z.output<typeof registerDeviceBody>;

export const registeredDeviceSchema = z.object({ assetId: id }).meta({ id: 'RegisteredDevice' });

