import type { PresignedPostOptions } from '@aws-sdk/s3-presigned-post';

/**
 * The conditions of a presigned POST for one original. S3 enforces them; the local S3 server
 * does not, which is why this is a pure function with its own unit tests.
 * - the exact key (no starts-with): the client cannot choose where it writes;
 * - the declared size as the upper bound of content-length-range;
 * - the declared Content-Type, which the client must send as a form field.
 */
export function uploadPolicy(input: {
  bucket: string;
  key: string;
  contentType: string;
  maxBytes: number;
  expiresInSeconds: number;
}): PresignedPostOptions {
  return {
    Bucket: input.bucket,
    Key: input.key,
    Expires: input.expiresInSeconds,
    Fields: { 'Content-Type': input.contentType },
    Conditions: [
      ['content-length-range', 1, input.maxBytes],
      ['eq', '$Content-Type', input.contentType],
    ],
  };
}
