import { z } from 'zod';
import { InvalidCursorError } from '#shared/core/errors';

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

/**
 * The cursor's key, checked against the shape its endpoint writes (`keySchema`): a cursor is plain
 * base64url JSON, so a caller can hand-make one for their own scope, and what reaches a query must
 * be a key that query could have produced.
 */
export function decodeCursor<K extends Record<string, unknown>>(
  scope: string,
  cursor: string | undefined,
  keySchema: z.ZodType<K>,
): K | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const result = cursorSchema.safeParse(parsed);
  const key = result.success && result.data.scope === scope ? keySchema.safeParse(result.data.key) : undefined;
  if (!key?.success) throw new InvalidCursorError();
  return key.data;
}
