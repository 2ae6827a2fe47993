/** The staff directory as API.md (contract v1.1, "Staff directory and account manager") shows it. */
import * as z from 'zod';
import { STAFF_GROUPS } from '../routes';

export const staffMemberSchema = z
  .object({
    id: z.string().meta({ description: "The user's Cognito `sub`: what a company's `accountManagerId` holds" }),
    name: z.string().meta({ description: 'The `name` attribute, else given and family name, else the email' }),
    email: z.string().nullable(),
    groups: z.array(z.enum(STAFF_GROUPS)),
  })
  .meta({ id: 'StaffMember' });
export type StaffMember = z.output<typeof staffMemberSchema>;

export const staffDirectorySchema = z.object({ items: z.array(staffMemberSchema) }).meta({ id: 'StaffDirectory' });
