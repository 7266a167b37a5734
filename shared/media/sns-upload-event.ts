import type { S3Event, SNSEvent } from 'aws-lambda';
import type { UploadedObject } from '#shared/media/model';

/**
 * The objects an S3 notification (delivered through SNS) reports as created. Pure.
 * - S3 URL-encodes keys in events, with '+' for spaces: decode before use.
 * - S3 sends an `s3:TestEvent` message when a notification is configured: not an upload.
 */
export function uploadedObjects(event: SNSEvent): UploadedObject[] {
  const objects: UploadedObject[] = [];
  for (const record of event.Records ?? []) {
    let message: (Partial<S3Event> & { Event?: string }) | null;
    try {
      message = JSON.parse(record.Sns.Message);
    } catch {
      continue; // not an S3 notification
    }
    const s3Records = Array.isArray(message?.Records) ? message.Records : [];
    for (const s3Record of s3Records) {
      if (!s3Record?.eventName?.startsWith('ObjectCreated:')) continue;
      const key = decodeKey(s3Record.s3?.object?.key);
      if (key === undefined || typeof s3Record.s3.bucket?.name !== 'string') continue;
      objects.push({ bucket: s3Record.s3.bucket.name, key, size: Number(s3Record.s3.object.size ?? 0) });
    }
  }
  return objects;
}

function decodeKey(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined; // malformed %-encoding: no key we could have issued
  }
}
