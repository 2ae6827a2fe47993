/** The `company-cleanup` queue message: which job, for which (deleted) company. */
import * as z from 'zod';
import { id } from '../common/schemas';

export const cleanupMessage = z.strictObject({ jobId: id, companyId: id });
