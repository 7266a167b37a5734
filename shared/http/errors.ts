// Errors that answer a request. Each carries its HTTP status and a machine-readable `code` (stable:
// clients branch on it, the message is for people); it may carry response headers and keeps its
// `cause`. Only errors below 500 reach the client with their message; anything else becomes a plain
// 500 and is logged with detail (see shared/http/api.ts).

export interface HttpErrorOptions {
  details?: unknown;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class HttpError extends Error {
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** 400: the request is malformed; `details` names each failing field when there are some. */
export class BadRequestError extends HttpError {
  constructor(message: string, details?: unknown, code = 'BAD_REQUEST') {
    super(400, code, message, { details });
  }
}

/** 400 for a request that fails its route's schemas. */
export class ValidationError extends BadRequestError {
  constructor(details: Array<{ path: string; message: string }>, message = 'Request validation failed.') {
    super(message, details, 'VALIDATION_FAILED');
  }
}

/** 403: the caller may see the resource but not do this to it. */
export class ForbiddenError extends HttpError {
  constructor(message: string) {
    super(403, 'FORBIDDEN', message);
  }
}

/** 404: missing, or not visible to the caller (the two are not told apart). */
export class NotFoundError extends HttpError {
  constructor(message = 'Not found', code = 'NOT_FOUND') {
    super(404, code, message);
  }
}

/** 409: the resource changed concurrently; retrying may succeed. */
export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, 'CONFLICT', message);
  }
}

/** 412: If-Match names a version that is no longer the current one. */
export class PreconditionFailedError extends HttpError {
  constructor(message: string, headers?: Record<string, string>) {
    super(412, 'PRECONDITION_FAILED', message, { headers });
  }
}

/** 428: the change needs If-Match, and none (or no usable one) was sent. */
export class PreconditionRequiredError extends HttpError {
  constructor(message: string) {
    super(428, 'PRECONDITION_REQUIRED', message);
  }
}
