import { MAX_LINE_BYTES, MAX_REASON_LENGTH, parseLine } from '#shared/imports/line-format';

const AVATAR = '3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b';

describe('parseLine', () => {
  it('accepts a user line with its optional fields', () => {
    const line = JSON.stringify({
      type: 'user',
      userId: 'u-1',
      displayName: ' Ann ',
      avatarContentId: AVATAR,
      notificationPreferences: { newContent: false },
    });
    expect(parseLine(line)).toEqual({
      kind: 'record',
      record: {
        type: 'user',
        userId: 'u-1',
        displayName: 'Ann',
        avatarContentId: AVATAR,
        notificationPreferences: { newContent: false },
      },
    });
    expect(parseLine('{"type":"user","userId":"u-2","displayName":"Ben"}')).toEqual({
      kind: 'record',
      record: { type: 'user', userId: 'u-2', displayName: 'Ben' },
    });
    expect(
      parseLine('{"type":"user","userId":"u-3","displayName":"Cid","notificationPreferences":{"friendAccepts":false}}'),
    ).toEqual({
      kind: 'record',
      record: { type: 'user', userId: 'u-3', displayName: 'Cid', notificationPreferences: { friendAccepts: false } },
    });
  });

  it('accepts both friendship statuses', () => {
    for (const status of ['accepted', 'requested'] as const) {
      expect(parseLine(JSON.stringify({ type: 'friendship', userId: 'a', friendId: 'b', status }))).toEqual({
        kind: 'record',
        record: { type: 'friendship', userId: 'a', friendId: 'b', status },
      });
    }
  });

  it('skips blank lines silently', () => {
    expect(parseLine('')).toEqual({ kind: 'empty' });
    expect(parseLine('  \t ')).toEqual({ kind: 'empty' });
  });

  it.each([
    ['{"type":"user",', 'invalid JSON'],
    ['not json', 'invalid JSON'],
    ['[1,2]', 'Invalid input: expected object, received array'],
    ['null', 'Invalid input: expected object, received null'],
    ['{"type":"group","userId":"a"}', "type: Invalid discriminator value. Expected 'user' | 'friendship'"],
    ['{"userId":"a","displayName":"A"}', "type: Invalid discriminator value. Expected 'user' | 'friendship'"],
    ['{"type":"user","userId":"a"}', 'displayName: Invalid input: expected string, received undefined'],
    ['{"type":"user","userId":"a","displayName":"A","email":"a@example.com"}', 'Unrecognized key: "email"'],
    [
      '{"type":"user","userId":"a","displayName":"   "}',
      'displayName: Too small: expected string to have >=1 characters',
    ],
    ['{"type":"user","userId":"a","displayName":"A\\u0007"}', 'displayName: must not contain control characters'],
    ['{"type":"user","userId":"a b","displayName":"A"}', 'userId: must contain only letters, digits and . _ @ + = : -'],
    ['{"type":"user","userId":"a","displayName":"A","avatarContentId":"not-a-uuid"}', 'avatarContentId: Invalid UUID'],
    [
      '{"type":"user","userId":"a","displayName":"A","notificationPreferences":{"push":true}}',
      'notificationPreferences: Unrecognized key: "push"',
    ],
    [
      '{"type":"user","userId":"a","displayName":"A","notificationPreferences":{"friendAccepts":"no"}}',
      'notificationPreferences.friendAccepts: Invalid input: expected boolean, received string',
    ],
    ['{"type":"friendship","userId":"a","friendId":"a","status":"accepted"}', 'friendId: must differ from userId'],
    [
      '{"type":"friendship","userId":"a","friendId":"b","status":"blocked"}',
      'status: Invalid option: expected one of "accepted"|"requested"',
    ],
    [
      '{"type":"friendship","userId":"a","friendId":"b"}',
      'status: Invalid option: expected one of "accepted"|"requested"',
    ],
    ['{"type":"user","userId":"a","displayName":"A","__proto__":{"x":1}}', 'Unrecognized key: "__proto__"'],
  ])('reports %s as malformed', (text, reason) => {
    expect(parseLine(text)).toEqual({ kind: 'malformed', reason });
  });

  it('lists every issue of a line, with its path', () => {
    const parsed = parseLine('{"type":"user","userId":"a b","displayName":"","extra":1}');
    expect(parsed).toEqual({
      kind: 'malformed',
      reason:
        'userId: must contain only letters, digits and . _ @ + = : -; displayName: Too small: expected string to have >=1 characters; Unrecognized key: "extra"',
    });
  });

  it('reports a line the reader cut as too long, whatever it holds', () => {
    expect(parseLine('{"type":"user"', true)).toEqual({
      kind: 'malformed',
      reason: `line longer than ${MAX_LINE_BYTES} bytes`,
    });
  });

  it('keeps reasons short even when they quote a huge key', () => {
    const parsed = parseLine(JSON.stringify({ type: 'user', userId: 'a', displayName: 'A', ['k'.repeat(10_000)]: 1 }));
    expect(parsed.kind).toBe('malformed');
    if (parsed.kind === 'malformed') expect(parsed.reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
  });
});
