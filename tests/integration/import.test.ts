// Bulk import on the local stack: a JSON Lines file put under imports/ reaches the importer
// through S3 -> SNS, which loads Users and Friendships and writes a report next to the file.
// Importing the same file again, or the same event delivered twice, writes nothing.
import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { BatchGetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { waitForAsyncIdle } from '../../scripts/lib/client';
import { clients } from '../support/aws';
import { readReport, waitForReport } from '../support/imports';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const { s3, dynamo } = clients(endpoints);
const sns = new SNSClient({ endpoint: endpoints.sns, region: endpoints.region, credentials: endpoints.credentials });
const T0 = '2024-01-01T00:00:00.000Z';
const AVATAR_1 = '3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b';
const AVATAR_2 = '8d7c6b5a-4f3e-4d2c-9b1a-0f9e8d7c6b5a';

it('imports users and friendships, reports malformed and blocked lines, and changes nothing the second time', async () => {
  const run = randomUUID().slice(0, 8);
  const id = (name: string) => `imp-${run}-${name}`;
  const [ann, ben, cid, dave, erin] = ['ann', 'ben', 'cid', 'dave', 'erin'].map(id) as [
    string,
    string,
    string,
    string,
    string,
  ];
  // A space and a '+': S3 events carry keys URL-encoded ('+' for a space, '%2B' for a '+').
  const key = `imports/${run}/team a+b.jsonl`;

  // Already stored: dave (updated by the file; preferences as stored before friendAccepts
  // existed), dave and ben friends, erin blocking ann.
  const stored = {
    userId: dave,
    displayName: 'Dave',
    avatarContentId: AVATAR_1,
    notificationPreferences: { newContent: false, friendRequests: true },
    createdAt: T0,
    updatedAt: T0,
  };
  await dynamo.send(new PutCommand({ TableName: endpoints.tables.UsersTable, Item: stored }));
  const edge = (userId: string, friendId: string, fields: object) => ({
    userId,
    friendId,
    blocking: false,
    blockedBy: false,
    updatedAt: T0,
    version: 2,
    ...fields,
  });
  for (const item of [
    edge(dave, ben, { state: 'accepted', since: T0 }),
    edge(ben, dave, { state: 'accepted', since: T0 }),
    edge(erin, ann, { state: 'none', blocking: true }),
    edge(ann, erin, { state: 'none', blockedBy: true }),
  ]) {
    await dynamo.send(new PutCommand({ TableName: endpoints.tables.FriendshipsTable, Item: item }));
  }

  const user = (userId: string, displayName: string, extra: object = {}) =>
    JSON.stringify({ type: 'user', userId, displayName, ...extra });
  const friendship = (userId: string, friendId: string, status: string) =>
    JSON.stringify({ type: 'friendship', userId, friendId, status });
  const lines = [
    /* 1 */ user(ann, 'Ann'),
    /* 2 */ user(ben, 'Ben', { notificationPreferences: { friendRequests: false, friendAccepts: false } }),
    /* 3 */ '',
    /* 4 */ friendship(ann, ben, 'requested'),
    /* 5 */ `{"type":"user","userId":"${cid}"`,
    /* 6 */ user(dave, 'David'),
    /* 7 */ friendship(ann, ann, 'accepted'),
    /* 8 */ friendship(ben, ann, 'accepted'),
    /* 9 */ user(ann, 'Annie', { avatarContentId: AVATAR_2 }),
    /* 10 */ friendship(ann, erin, 'accepted'),
    /* 11 */ friendship(ann, ben, 'maybe'),
    /* 12 */ user(id('long'), 'x'.repeat(70_000)),
    /* 13 */ user(id('zed'), 'Zed', { admin: true }),
    /* 14 */ friendship(dave, ben, 'accepted'),
    /* 15 */ '   ',
    /* 16 */ user(cid, 'Cíd 😀'),
  ];
  // A BOM, CRLF on the first half, LF after, and no line break after the last line.
  const file = `\uFEFF${lines.slice(0, 8).join('\r\n')}\r\n${lines.slice(8).join('\n')}`;

  const started = Date.now();
  await s3.send(
    new PutObjectCommand({ Bucket: endpoints.bucket, Key: key, Body: file, ContentType: 'application/x-ndjson' }),
  );
  const report = await waitForReport(s3, endpoints.bucket, key, started, lines.length);
  expect(report).toMatchObject({
    source: `s3://${endpoints.bucket}/${key}`,
    status: 'COMPLETED',
    lines: 16,
    empty: 2,
    duplicates: 2,
    users: { written: 4, unchanged: 0 },
    friendships: { written: 1, unchanged: 1, skipped: 1, edgesWritten: 2 },
    malformedCount: 5,
    skipped: [{ line: 10, reason: 'blocked' }],
  });
  expect(report.malformed).toEqual([
    { line: 5, reason: 'invalid JSON' },
    { line: 7, reason: 'friendId: must differ from userId' },
    { line: 11, reason: 'status: Invalid option: expected one of "accepted"|"requested"' },
    { line: 12, reason: 'line longer than 65536 bytes' },
    { line: 13, reason: 'Unrecognized key: "admin"' },
  ]);
  expect(report.finishedAt).toBeDefined();
  expect(report.durationMs).toBeGreaterThanOrEqual(0);
  expect(report.peakHeapBytes).toBeGreaterThan(0);

  const snapshot = async () => {
    const out = await dynamo.send(
      new BatchGetCommand({
        RequestItems: {
          [endpoints.tables.UsersTable!]: {
            Keys: [ann, ben, cid, dave, id('long'), id('zed')].map((userId) => ({ userId })),
            ConsistentRead: true,
          },
          [endpoints.tables.FriendshipsTable!]: {
            Keys: [
              [ann, ben],
              [ben, ann],
              [dave, ben],
              [ben, dave],
              [ann, erin],
              [erin, ann],
              [ann, cid],
            ].map(([userId, friendId]) => ({ userId, friendId })),
            ConsistentRead: true,
          },
        },
      }),
    );
    const users = new Map((out.Responses?.[endpoints.tables.UsersTable!] ?? []).map((u) => [u.userId as string, u]));
    const edges = new Map(
      (out.Responses?.[endpoints.tables.FriendshipsTable!] ?? []).map((e) => [`${e.userId}>${e.friendId}`, e]),
    );
    return { users, edges };
  };

  const first = await snapshot();
  expect([...first.users.keys()].sort()).toEqual([ann, ben, cid, dave].sort());
  const now = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
  expect(first.users.get(ann)).toEqual({
    userId: ann,
    displayName: 'Annie',
    avatarContentId: AVATAR_2,
    notificationPreferences: { newContent: true, friendRequests: true, friendAccepts: true },
    createdAt: now,
    updatedAt: now,
  });
  expect(first.users.get(ben)).toMatchObject({
    displayName: 'Ben',
    notificationPreferences: { newContent: true, friendRequests: false, friendAccepts: false },
  });
  expect(first.users.get(cid)).toMatchObject({ displayName: 'Cíd 😀' });
  // Updated: what the line leaves out (avatar, preferences) and createdAt are kept; the stored
  // preferences gain friendAccepts with its default.
  expect(first.users.get(dave)).toEqual({
    ...stored,
    displayName: 'David',
    notificationPreferences: { ...stored.notificationPreferences, friendAccepts: true },
    updatedAt: now,
  });
  expect(first.users.get(dave)!.updatedAt).not.toBe(T0);

  // The later line for ann and ben (accepted) won over the request: both edges, one since.
  const since = first.edges.get(`${ann}>${ben}`)!.since as string;
  expect(first.edges.get(`${ann}>${ben}`)).toEqual({
    userId: ann,
    friendId: ben,
    state: 'accepted',
    blocking: false,
    blockedBy: false,
    since,
    updatedAt: now,
    version: 1,
  });
  expect(first.edges.get(`${ben}>${ann}`)).toEqual({
    userId: ben,
    friendId: ann,
    state: 'accepted',
    blocking: false,
    blockedBy: false,
    since,
    updatedAt: now,
    version: 1,
  });
  // Unchanged and blocked pairs are left exactly as they were.
  expect(first.edges.get(`${dave}>${ben}`)).toEqual(edge(dave, ben, { state: 'accepted', since: T0 }));
  expect(first.edges.get(`${erin}>${ann}`)).toEqual(edge(erin, ann, { state: 'none', blocking: true }));
  expect(first.edges.get(`${ann}>${erin}`)).toEqual(edge(ann, erin, { state: 'none', blockedBy: true }));
  expect(first.edges.has(`${ann}>${cid}`)).toBe(false);

  // The same S3 event delivered twice more, at once (at-least-once delivery): nothing changes.
  const encodedKey = encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
  const event = JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: endpoints.region,
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'imports',
          bucket: { name: endpoints.bucket, arn: `arn:aws:s3:::${endpoints.bucket}` },
          object: { key: encodedKey, size: file.length },
        },
      },
    ],
  });
  const redelivered = Date.now();
  await Promise.all(
    [1, 2].map(() => sns.send(new PublishCommand({ TopicArn: endpoints.topics.ImportsTopic, Message: event }))),
  );
  await waitForAsyncIdle(endpoints, 60_000);
  const replay = (await readReport(s3, endpoints.bucket, key))!;
  expect(Date.parse(replay.startedAt)).toBeGreaterThanOrEqual(redelivered);
  expect(replay).toMatchObject({
    status: 'COMPLETED',
    users: { written: 0, unchanged: 4 },
    friendships: { written: 0, unchanged: 2, skipped: 1, edgesWritten: 0 },
  });
  expect(await snapshot()).toEqual(first);

  // The same file uploaded again: written 0, the tables exactly as they were.
  const again = Date.now();
  await s3.send(
    new PutObjectCommand({ Bucket: endpoints.bucket, Key: key, Body: file, ContentType: 'application/x-ndjson' }),
  );
  const second = await waitForReport(s3, endpoints.bucket, key, again, lines.length);
  expect(second).toMatchObject({
    lines: 16,
    users: { written: 0, unchanged: 4 },
    friendships: { written: 0, unchanged: 2, skipped: 1, edgesWritten: 0 },
    malformed: report.malformed,
    malformedCount: 5,
    skipped: [{ line: 10, reason: 'blocked' }],
  });
  expect(await snapshot()).toEqual(first);
});
