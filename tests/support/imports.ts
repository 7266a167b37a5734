// Waiting on a bulk import on the local stack: its report (`<key>.report.json`) is rewritten while
// it runs and once more when it ends.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ImportReport } from '../../shared/imports/report';
import { eventually } from './aws';

/**
 * How long to wait for an import of `lines` lines: it scales with the file (about 2 ms a line on
 * an idle two-core machine; ten are allowed, so a busy machine still passes), plus a fixed part
 * for the function to start and the event to arrive.
 */
export const importBudgetMs = (lines: number) => 30_000 + lines * 10;

export async function readReport(s3: S3Client, bucket: string, key: string): Promise<ImportReport | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${key}.report.json` }));
    return JSON.parse(await out.Body!.transformToString()) as ImportReport;
  } catch {
    return undefined; // not written yet (or being rewritten)
  }
}

/**
 * Polls the report of `key` until the run started after `since` is COMPLETED (fails at once on
 * FAILED). `progress` (what the import has written so far, say) lets the wait go on past its
 * budget while it changes.
 */
export async function waitForReport(
  s3: S3Client,
  bucket: string,
  key: string,
  since: number,
  lines: number,
  progress?: () => Promise<unknown>,
): Promise<ImportReport> {
  return eventually(
    `the import report of ${key}`,
    async () => {
      const report = await readReport(s3, bucket, key);
      if (!report || Date.parse(report.startedAt) < since) return undefined;
      if (report.status === 'FAILED') throw new Error(`import failed: ${report.error}`);
      return report.status === 'COMPLETED' ? report : undefined;
    },
    importBudgetMs(lines),
    progress,
  );
}
