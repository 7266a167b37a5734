import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ImportFiles, ImportSource, OpenedFile } from './importer';
import type { ImportReport } from './report';

/**
 * Where a report goes: next to its file, with a suffix the bucket's notification (`imports/`,
 * `.jsonl`) does not match, so writing it never triggers another import.
 */
export const reportKey = (key: string) => `${key}.report.json`;

/** Import files and their reports in S3. */
export class S3ImportFiles implements ImportFiles {
  constructor(private readonly s3: S3Client) {}

  /**
   * The object's body as a stream (never read whole: files may be far larger than memory). With
   * `etag`, that version or an error: S3 answers 412 to If-Match when the object was replaced, and
   * the ETag is compared here too (the local S3 server ignores If-Match). A replaced file has its
   * own notification, so this run can fail.
   */
  async open(source: ImportSource, etag?: string): Promise<OpenedFile> {
    const out = await this.s3.send(
      new GetObjectCommand({ Bucket: source.bucket, Key: source.key, ...(etag ? { IfMatch: etag } : {}) }),
    );
    const body = out.Body;
    if (!(body instanceof Readable)) throw new Error(`GetObject ${source.key}: expected a Node.js stream body`);
    if (etag && out.ETag !== etag) {
      body.destroy();
      throw new Error(`${source.key} was replaced during the import (ETag ${etag} -> ${out.ETag})`);
    }
    return { body, ...(out.ETag ? { etag: out.ETag } : {}) };
  }

  async writeReport(source: ImportSource, report: ImportReport): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: source.bucket,
        Key: reportKey(source.key),
        Body: JSON.stringify(report, null, 2),
        ContentType: 'application/json',
        CacheControl: 'no-store',
      }),
    );
  }
}
