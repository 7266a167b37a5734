import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { uploadPolicy } from '#shared/uploads/s3-policy';

/** The media bucket: originals in, derivatives out, signed URLs for clients. */
export class MediaStorage {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  presignUpload(input: {
    key: string;
    contentType: string;
    maxBytes: number;
    expiresInSeconds: number;
  }): Promise<PresignedPost> {
    return createPresignedPost(this.s3, uploadPolicy({ bucket: this.bucket, ...input }));
  }

  signedGetUrl(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }

  async read(key: string): Promise<Buffer> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }

  /** The first `bytes` bytes of an object (a ranged GET): enough for headers and EXIF. */
  async readHead(key: string, bytes: number): Promise<Buffer> {
    return this.readRange(key, 0, bytes);
  }

  /**
   * `length` bytes from `offset` (fewer where the object ends first): one ranged GET. A range that
   * starts past the end is S3's 416; with `pastTheEnd: 'empty'` that is an empty buffer instead.
   */
  async readRange(
    key: string,
    offset: number,
    length: number,
    { pastTheEnd = 'throw' }: { pastTheEnd?: 'throw' | 'empty' } = {},
  ): Promise<Buffer> {
    // An empty range would be an invalid Range header, which S3 answers with the whole object.
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length > 0))
      throw new RangeError(`Not a byte range: ${length} bytes at ${offset}`);
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (error) {
      if (
        pastTheEnd === 'empty' &&
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416
      )
        return Buffer.alloc(0);
      throw error;
    }
  }

  async write(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        CacheControl: 'private, max-age=31536000, immutable',
      }),
    );
  }

  /** Deletes the given keys (missing objects are fine: S3 deletes are idempotent). */
  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      const out = await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if (out.Errors?.length) {
        const first = out.Errors[0]!;
        throw new Error(
          `Could not delete ${out.Errors.length} object(s), first ${first.Key}: ${first.Code} ${first.Message ?? ''}`,
        );
      }
    }
  }
}
