import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { uploadPolicy } from '#shared/uploads/s3-policy';

const NOW = new Date('2024-06-01T12:00:00.000Z');
const input = {
  bucket: 'media-bucket',
  key: 'uploads/user-1/3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b',
  contentType: 'image/png',
  maxBytes: 123_456,
  expiresInSeconds: 300,
};

type Condition = Record<string, string> | Array<string | number>;
let fields: Record<string, string>;
let policy: { expiration: string; conditions: Condition[] };

beforeEach(async () => {
  // Only Date is faked: the SDK's own timers and promises run as usual, without any network.
  jest.useFakeTimers({
    now: NOW,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  const client = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
  ({ fields } = await createPresignedPost(client, uploadPolicy(input)));
  policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8'));
});

afterEach(() => {
  jest.useRealTimers();
});

const equality = (name: string) => policy.conditions.filter((c) => !Array.isArray(c) && name in c);
const arrays = () => policy.conditions.filter((c): c is Array<string | number> => Array.isArray(c));

describe('presigned POST built from uploadPolicy', () => {
  it('pins the exact key with an equality condition', () => {
    expect(equality('key')).toEqual([{ key: input.key }]);
  });

  it('has no starts-with condition, so the client cannot choose its key', () => {
    expect(arrays().filter((c) => String(c[0]).toLowerCase() === 'starts-with')).toEqual([]);
  });

  it('pins the bucket', () => {
    expect(equality('bucket')).toEqual([{ bucket: 'media-bucket' }]);
  });

  it('limits the content length to between 1 byte and the declared size', () => {
    expect(arrays().filter((c) => c[0] === 'content-length-range')).toEqual([['content-length-range', 1, 123_456]]);
  });

  it('requires the declared Content-Type', () => {
    expect(arrays()).toContainEqual(['eq', '$Content-Type', 'image/png']);
  });

  it('expires Expires seconds from now', () => {
    expect(Date.parse(policy.expiration)).toBe(NOW.getTime() + 300_000);
  });

  it('returns the Content-Type and key as form fields', () => {
    expect(fields['Content-Type']).toBe('image/png');
    expect(fields.key).toBe(input.key);
  });

  it('returns the SigV4 signature fields for the given credentials and region', () => {
    expect(fields).toMatchObject({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20240601/us-east-1/s3/aws4_request',
      'X-Amz-Date': '20240601T120000Z',
    });
    expect(fields['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs the credential and date into the policy as equality conditions', () => {
    expect(equality('X-Amz-Credential')).toEqual([{ 'X-Amz-Credential': fields['X-Amz-Credential'] }]);
    expect(equality('X-Amz-Date')).toEqual([{ 'X-Amz-Date': fields['X-Amz-Date'] }]);
  });
});
