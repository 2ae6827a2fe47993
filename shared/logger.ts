/** One structured logger for every function (Powertools: JSON lines, request ids, log level from env). */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'clientele' });
