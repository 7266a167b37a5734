// Domain errors carry their HTTP status. Only errors below 500 reach the client with their
// message; anything else becomes a plain 500 and is logged with detail (see shared/http/api.ts).

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string, details?: unknown) {
    super(400, message, details);
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'Not found') {
    super(404, message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}

/** A file that can never be processed: the item becomes REJECTED with this reason, without retries. */
export class RejectedMediaError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RejectedMediaError';
  }
}
