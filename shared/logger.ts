import { Logger } from '@aws-lambda-powertools/logger';

// One logger for the whole service; handlers add per-invocation keys. Never log whole events:
// they carry tokens and personal data.
export const logger = new Logger();
