// What the media functions work on: an uploaded object, and the refusal of a file that can never
// be processed.

/** An object S3 reports as created (shared/media/sns-upload-event.ts decodes the notification). */
export interface UploadedObject {
  bucket: string;
  key: string;
  size: number;
}

/** Why a file was rejected, as a metric dimension (the reason text is for people). */
export type RejectionCode =
  | 'empty'
  | 'larger-than-declared'
  | 'too-large'
  | 'unsupported-type'
  | 'too-many-pixels'
  | 'animated'
  | 'undecodable';

/** A file that can never be processed: the item becomes REJECTED with this reason, without retries. */
export class RejectedMediaError extends Error {
  constructor(
    readonly code: RejectionCode,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'RejectedMediaError';
  }
}
