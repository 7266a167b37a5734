import { dynamo, s3 } from '#shared/aws/clients';
import { requireEnv } from '#shared/lambda/config';
import { DynamoImportStore } from '#shared/imports/dynamo-import-store';
import { importFile, isImportKey } from '#shared/imports/importer';
import { S3ImportFiles } from '#shared/imports/s3-import-files';
import { s3ObjectHandler } from '#shared/lambda/s3-objects';
import { count, logger } from '#shared/core/observability';

const bucket = requireEnv('MEDIA_BUCKET');
const files = new S3ImportFiles(s3);
const store = new DynamoImportStore(dynamo, {
  users: requireEnv('USERS_TABLE'),
  friendships: requireEnv('FRIENDSHIPS_TABLE'),
});

// Subscribed to the imports topic (S3 notifications for imports/*.jsonl). Delivery is at least
// once and a failed invocation is retried twice by Lambda: both are safe because an import
// compares every item with the stored one and writes only what differs, so a repeated run
// changes nothing that the first one did (shared/imports/importer.ts). A failure throws: the
// report says FAILED, Lambda retries, and the event ends up in the on-failure queue.
export const handler = s3ObjectHandler(async (object, context) => {
  if (object.bucket !== bucket || !isImportKey(object.key)) {
    logger.warn('Not an import file: ignored', { bucket: object.bucket });
    return;
  }
  const report = await importFile(
    object,
    { files, store },
    { remainingMs: () => context.getRemainingTimeInMillis(), log: logger },
  );
  count('ImportLines', report.lines);
});
