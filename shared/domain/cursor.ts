import { z } from 'zod';
import { BadRequestError } from '#shared/errors';

/**
 * Opaque pagination cursors: DynamoDB's LastEvaluatedKey plus what it belongs to (the index and
 * the partition), base64url-encoded. A cursor is checked against the request it is used with, so
 * one from another gallery or audience is refused instead of starting a query at a foreign key.
 */
const cursorSchema = z.strictObject({
  v: z.literal(1),
  scope: z.string().max(300),
  key: z.record(z.string(), z.union([z.string().max(300), z.number()])),
});

export function encodeCursor(scope: string, key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ v: 1, scope, key })).toString('base64url');
}

export function decodeCursor(scope: string, cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestError('Invalid cursor: pass the cursor of the previous page unchanged.');
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success || result.data.scope !== scope) {
    throw new BadRequestError('Invalid cursor: pass the cursor of the previous page unchanged.');
  }
  return result.data.key;
}
