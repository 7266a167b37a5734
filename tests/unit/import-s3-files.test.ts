import { Readable } from 'node:stream';
import { GetObjectCommand, type PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { reportKey, S3ImportFiles } from '#shared/imports/s3-import-files';

const SOURCE = { bucket: 'media', key: 'imports/a.jsonl' };

function fakeS3(etag: string) {
  const sent: unknown[] = [];
  const client = {
    async send(command: unknown) {
      sent.push(command);
      if (command instanceof GetObjectCommand) return { Body: Readable.from(['{}\n']), ETag: etag };
      return {};
    },
  };
  return { client: client as unknown as S3Client, sent };
}

describe('S3ImportFiles', () => {
  it('opens a version pinned by ETag, and refuses a file replaced meanwhile', async () => {
    const { client, sent } = fakeS3('"v2"');
    const files = new S3ImportFiles(client);
    expect((await files.open(SOURCE)).etag).toBe('"v2"');
    expect((await files.open(SOURCE, '"v2"')).etag).toBe('"v2"');
    await expect(files.open(SOURCE, '"v1"')).rejects.toThrow('imports/a.jsonl was replaced during the import');
    expect((sent[2] as GetObjectCommand).input).toMatchObject({
      Bucket: 'media',
      Key: 'imports/a.jsonl',
      IfMatch: '"v1"',
    });
  });

  it('writes the report next to the file, with a suffix the import notification does not match', async () => {
    const { client, sent } = fakeS3('"v1"');
    const files = new S3ImportFiles(client);
    await files.writeReport(SOURCE, { status: 'RUNNING' } as never);
    expect(reportKey('imports/a.jsonl')).toBe('imports/a.jsonl.report.json');
    expect((sent[0] as PutObjectCommand).input).toMatchObject({
      Bucket: 'media',
      Key: 'imports/a.jsonl.report.json',
      ContentType: 'application/json',
    });
    expect(reportKey('imports/a.jsonl').endsWith('.jsonl')).toBe(false);
  });
});
