// What the domain refuses, without saying how a caller hears of it: the HTTP layer
// (shared/http/api.ts) answers `invalid` with 400, `not-found` with 404 and `conflict` with 409,
// and passes `code` and `details` on.

export type DomainErrorKind = 'invalid' | 'not-found' | 'conflict';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Array<{ path: string; message: string }>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A cursor that its endpoint did not write, or wrote for another scope. */
export class InvalidCursorError extends DomainError {
  constructor() {
    super('invalid', 'INVALID_CURSOR', 'Invalid cursor: pass the cursor of the previous page unchanged.');
  }
}
