// The bulk import's JSON Lines format: one record per line, validated strictly (unknown keys are
// errors, not silently dropped, so a typo in a field name is reported instead of ignored). Pure.
import { z } from 'zod';
// The same rules as the API's: an imported user must be addressable by /users/{id}. Neither
// allows whitespace or control characters, so ids can be joined with U+0000 (shared/imports/plan.ts).
import { displayNameSchema, userIdSchema } from '#shared/users/model';

/** Longer lines are malformed. The reader never holds more than this (+1 byte) of a line. */
export const MAX_LINE_BYTES = 64 * 1024;
/** A reason is cut to this length: a zod message can quote a key name, which may be huge. */
export const MAX_REASON_LENGTH = 300;

const userLineSchema = z.strictObject({
  type: z.literal('user'),
  userId: userIdSchema,
  displayName: displayNameSchema,
  avatarContentId: z.uuid().optional(),
  // Any preference may be given alone; what a line leaves out keeps its stored value.
  notificationPreferences: z
    .strictObject({
      newContent: z.boolean().optional(),
      friendRequests: z.boolean().optional(),
      friendAccepts: z.boolean().optional(),
    })
    .optional(),
});

const friendshipLineSchema = z
  .strictObject({
    type: z.literal('friendship'),
    userId: userIdSchema,
    friendId: userIdSchema,
    /** accepted: mutual friends; requested: userId asked friendId. */
    status: z.enum(['accepted', 'requested']),
  })
  .refine((line) => line.userId !== line.friendId, { path: ['friendId'], message: 'must differ from userId' });

const importLineSchema = z.discriminatedUnion('type', [userLineSchema, friendshipLineSchema]);

export type UserLine = z.infer<typeof userLineSchema>;
export type FriendshipLine = z.infer<typeof friendshipLineSchema>;
export type ImportLine = z.infer<typeof importLineSchema>;

export type ParsedLine =
  | { kind: 'empty' }
  | { kind: 'record'; record: ImportLine }
  | { kind: 'malformed'; reason: string };

/**
 * One line of the file (without its line break and BOM). Blank lines are skipped silently;
 * `tooLong` says the reader cut the line at MAX_LINE_BYTES (it is malformed whatever it holds).
 */
export function parseLine(text: string, tooLong = false): ParsedLine {
  if (tooLong) return { kind: 'malformed', reason: `line longer than ${MAX_LINE_BYTES} bytes` };
  if (text.trim() === '') return { kind: 'empty' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // V8's message quotes the input and changes between versions: the line number says where.
    return { kind: 'malformed', reason: 'invalid JSON' };
  }
  const parsed = importLineSchema.safeParse(value);
  if (parsed.success) return { kind: 'record', record: parsed.data };
  return {
    kind: 'malformed',
    reason: clip(
      parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '),
    ),
  };
}

function clip(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
