import type { S3Event, SNSEvent } from 'aws-lambda';

export interface UploadedObject {
  bucket: string;
  key: string;
  size: number;
}

/**
 * The objects an S3 notification (delivered through SNS) reports as created. Pure.
 * - S3 URL-encodes keys in events, with '+' for spaces: decode before use.
 * - S3 sends an `s3:TestEvent` message when a notification is configured: not an upload.
 */
export function uploadedObjects(event: SNSEvent): UploadedObject[] {
  const objects: UploadedObject[] = [];
  for (const record of event.Records ?? []) {
    let message: Partial<S3Event> & { Event?: string };
    try {
      message = JSON.parse(record.Sns.Message);
    } catch {
      continue;
    }
    for (const s3Record of message.Records ?? []) {
      if (!s3Record.eventName?.startsWith('ObjectCreated:')) continue;
      objects.push({
        bucket: s3Record.s3.bucket.name,
        key: decodeURIComponent(s3Record.s3.object.key.replace(/\+/g, ' ')),
        size: s3Record.s3.object.size,
      });
    }
  }
  return objects;
}
