// The hostile-input suite against the running stack: crafted files (tests/support/hostile.ts)
// uploaded as an app would, S3-shaped events with awkward keys published straight to the uploads
// topic. Each must-reject file ends REJECTED with a reason and no derivative; nothing crashes a
// function (no on-failure record); the next good upload still becomes READY.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DeleteObjectsCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import sharp from 'sharp';
import { api, postToS3, signUp, waitForAsyncIdle, waitForProcessed, type Session } from '../../scripts/lib/client';
import { clients, eventually, listKeys, s3EventMessage } from '../support/aws';
import { goodJpeg, hostileFilesToLoad, type HostileFile } from '../support/hostile';
import { stackEndpoints } from '../support/endpoints';
import { softly } from '../support/soft';

const endpoints = stackEndpoints();
const sns = new SNSClient({ endpoint: endpoints.sns, region: endpoints.region, credentials: endpoints.credentials });
const { s3 } = clients(endpoints);
const { files, load } = hostileFilesToLoad();
beforeAll(load);
let user: Session;

/** One line of the closing table. */
interface Row {
  file: string;
  declared: string;
  bytes: number;
  expect: HostileFile['expect'];
  outcome: string;
  reason: string;
}
const rows: Row[] = [];
const uploaded: Array<{ f: HostileFile; id: string }> = [];

/** Lines per on-failure file (`.local/failures/<queue>.jsonl`): a function that crashed three times leaves one. */
async function failureLines(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const name of await readdir(endpoints.failuresDir).catch(() => [] as string[])) {
    const text = await readFile(path.join(endpoints.failuresDir, name), 'utf8');
    out.set(name, text.split('\n').filter(Boolean));
  }
  return out;
}

function newFailures(before: Map<string, string[]>, after: Map<string, string[]>): string[] {
  return [...after].flatMap(([name, lines]) =>
    lines.slice(before.get(name)?.length ?? 0).map((line) => `${name}: ${line.slice(0, 400)}`),
  );
}

async function ticket(session: Session, contentType: string, size: number) {
  const created = await api(endpoints, 'POST', '/content', { token: session.accessToken, body: { contentType, size } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

/** POST /content with the declared type and size, then the browser-style multipart POST to S3. */
async function upload(session: Session, data: Buffer, contentType: string, size = data.length): Promise<string> {
  const created = await ticket(session, contentType, size);
  await postToS3(created, data, contentType);
  return created.contentId as string;
}

async function expectGoodUploadReady(seed: number) {
  const id = await upload(user, await goodJpeg(seed), 'image/jpeg');
  const { body } = await waitForProcessed(endpoints, user.accessToken, id, 60_000);
  expect(body.status).toBe('READY');
  expect(Object.keys(body.urls).sort()).toEqual(['display', 'original', 'thumbnail']);
}

beforeAll(async () => {
  user = await signUp(endpoints);
  // Whatever earlier files left in flight settles first, so the failure snapshots are ours.
  await waitForAsyncIdle(endpoints, 60_000);
});

afterAll(() => {
  if (!rows.length) return;
  const header: Row = {
    file: 'file',
    declared: 'declared type',
    bytes: 0,
    expect: 'reject',
    outcome: 'outcome',
    reason: 'reason',
  };
  const cells = (r: Row, i: number) => [
    r.file,
    r.declared,
    i < 0 ? 'size (bytes)' : String(r.bytes),
    i < 0 ? 'expected' : r.expect,
    r.outcome,
    r.reason,
  ];
  const table = [cells(header, -1), ...rows.map((r, i) => cells(r, i))];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((line) => line[c]!.length)));
  const line = (values: string[]) => `| ${values.map((v, c) => v.padEnd(widths[c]!)).join(' | ')} |`;
  const rejected = rows.filter((r) => r.expect === 'reject' && r.outcome === 'REJECTED').length;
  console.log(
    [
      `Hostile uploads: ${rejected} of ${rows.filter((r) => r.expect === 'reject').length} must-reject files REJECTED; ${rows.filter((r) => r.expect === 'tolerate').length} tolerated files (not counted).`,
      line(table[0]!),
      line(widths.map((w) => '-'.repeat(w))),
      ...table.slice(1).map(line),
    ].join('\n'),
  );
});

describe('hostile uploads', () => {
  it('refuses a ticket for a zero-byte upload (the app must declare a size of at least 1)', async () => {
    const res = await api(endpoints, 'POST', '/content', {
      token: user.accessToken,
      body: { contentType: 'image/jpeg', size: 0 },
    });
    expect(res.status).toBe(400);
  });

  it('ends every must-reject file REJECTED with a reason and no derivative, without a crash', async () => {
    const failuresBefore = await failureLines();
    // Uploaded together, as a burst of bad clients would: the functions run up to 4 at a time.
    const uploads = await Promise.all(
      files.map(async (f) => ({ f, id: await upload(user, f.data, f.declaredType, f.declaredSize ?? f.data.length) })),
    );
    uploaded.push(...uploads);
    const settled = await Promise.all(
      uploads.map(async ({ f, id }) => ({
        f,
        id,
        res: await waitForProcessed(endpoints, user.accessToken, id, 90_000).catch((e: Error) => e),
      })),
    );
    // A derivative written by one function while the other rejected is removed after the fact:
    // look at S3 only once nothing is in flight.
    await waitForAsyncIdle(endpoints, 60_000);

    // Every file is checked, and the test then fails listing every file that went wrong.
    await softly(async (soft) => {
      for (const { f, id, res } of settled) {
        const row: Row = {
          file: f.name,
          declared: f.declaredType,
          bytes: f.data.length,
          expect: f.expect,
          outcome: '',
          reason: '',
        };
        rows.push(row);
        if (res instanceof Error) {
          row.outcome = 'STUCK';
          row.reason = res.message;
          soft(res, `${f.name} never left PENDING`).toBeUndefined();
          continue;
        }
        // GET works, whatever happened to the file.
        const view = await api(endpoints, 'GET', `/content/${id}`, { token: user.accessToken });
        soft(view.status, `${f.name}: GET /content/{id}`).toBe(200);
        row.outcome = view.body.status;
        row.reason = view.body.reason ?? '';
        const derived = await listKeys(s3, endpoints.bucket, `derived/${id}/`);
        if (f.expect === 'reject' || view.body.status === 'REJECTED') {
          soft(view.body.status, `${f.name}: status`).toBe('REJECTED');
          soft(typeof view.body.reason === 'string' && view.body.reason.trim().length > 0, `${f.name}: a reason`).toBe(
            true,
          );
          if (f.reason) soft(view.body.reason, `${f.name}: reason`).toMatch(f.reason);
          soft(view.body.urls, `${f.name}: no URLs`).toEqual({});
          soft(derived, `${f.name}: derivatives in S3`).toEqual([]);
        } else {
          // Tolerated: a real picture despite its hostile part. Only re-encoded WebP is served.
          soft(view.body.status, `${f.name}: status`).toBe('READY');
          soft(derived.sort(), `${f.name}: derivatives`).toEqual([
            `derived/${id}/display.webp`,
            `derived/${id}/thumbnail.webp`,
          ]);
          const thumb = await fetch(view.body.urls.thumbnail.url);
          soft(thumb.status, `${f.name}: thumbnail GET`).toBe(200);
          const bytes = Buffer.from(await thumb.arrayBuffer());
          const meta = await sharp(bytes).metadata();
          soft([meta.format, meta.exif], `${f.name}: thumbnail is WebP without EXIF`).toEqual(['webp', undefined]);
          soft(
            bytes.includes(Buffer.from('PK\x03\x04', 'latin1')) || bytes.includes(Buffer.from('<script', 'latin1')),
            `${f.name}: payload in thumbnail`,
          ).toBe(false);
          soft(
            view.body.metadata?.make ?? view.body.metadata?.model ?? view.body.metadata?.gps,
            `${f.name}: junk EXIF kept`,
          ).toBeUndefined();
        }
      }

      // Reads of many items at once and the owner's gallery work too (no 500 from a strange item).
      const ids = uploads.map((u) => u.id);
      const batch = await api(endpoints, 'GET', `/content?ids=${ids.join(',')}`, { token: user.accessToken });
      soft(batch.status, 'GET /content?ids=').toBe(200);
      const gallery = await api(endpoints, 'GET', `/users/${user.userId}/content`, { token: user.accessToken });
      soft(gallery.status, 'GET /users/{id}/content').toBe(200);

      expect(newFailures(failuresBefore, await failureLines())).toEqual([]);
      expect(rows.filter((r) => r.expect === 'reject' && r.outcome === 'REJECTED').length).toBeGreaterThanOrEqual(15);
    });
  }, 240_000);

  it('still makes a good JPEG READY after the whole suite', async () => {
    await expectGoodUploadReady(1);
  });

  // Every item the suite left is an ordinary item: deleting it removes its files (the
  // contentCleanup stream consumer reads the suite's items like any other).
  it('still cascades deletes after the suite: a rejected and a tolerated item lose their files', async () => {
    const pick = (name: string) => uploaded.find((u) => u.f.name === name)!.id;
    const ids = [pick('11-jpeg-no-image'), pick('16-huge-exif')];
    for (const id of ids)
      expect((await api(endpoints, 'DELETE', `/content/${id}`, { token: user.accessToken })).status).toBe(204);
    for (const id of ids) {
      await eventually(
        `the files of ${id} to be removed`,
        async () => {
          const left = [
            ...(await listKeys(s3, endpoints.bucket, `uploads/${user.userId}/${id}`)),
            ...(await listKeys(s3, endpoints.bucket, `derived/${id}/`)),
          ];
          return left.length === 0 ? true : undefined;
        },
        30_000,
      );
    }
  }, 90_000);
});

describe('awkward keys on the uploads topic', () => {
  /** The key as S3 puts it in an event: URL-encoded, '+' for spaces, '/' kept. */
  const s3Encoded = (key: string) => encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');

  const s3Event = (rawKey: unknown, size: unknown, eventName?: string) =>
    s3EventMessage(endpoints, rawKey, size, eventName);

  const publish = (message: string) =>
    sns.send(new PublishCommand({ TopicArn: endpoints.topics.UploadsTopic, Message: message }));

  it('skips keys with spaces, +, unicode and %-escapes, existing or not, without a crash; the pipeline keeps going', async () => {
    await waitForAsyncIdle(endpoints, 60_000);
    const failuresBefore = await failureLines();
    const derivedBefore = await listKeys(s3, endpoints.bucket, 'derived/');

    // Real items to aim at: one READY, one still PENDING (ticket issued, nothing uploaded).
    const readyJpeg = await goodJpeg(2);
    const readyId = await upload(user, readyJpeg, 'image/jpeg');
    const ready = (await waitForProcessed(endpoints, user.accessToken, readyId)).body;
    expect(ready.status).toBe('READY');
    const readyKey = `uploads/${user.userId}/${readyId}`;
    const pendingId = (await ticket(user, 'image/jpeg', 5000)).contentId as string;
    await waitForAsyncIdle(endpoints);
    const derivedOfReady = await listKeys(s3, endpoints.bucket, `derived/${readyId}/`);

    const picture = await goodJpeg(3);
    const existing = [
      `uploads/${user.userId}/my holiday photo.jpg`,
      `uploads/${user.userId}/a+b=c&d.jpg`,
      `uploads/${user.userId}/café-日本-😀.jpg`,
      `uploads/${user.userId}/100% done %41%2F%zz.jpg`,
      `uploads/${user.userId}/${pendingId} `,
      `uploads/${user.userId}/${pendingId}/x`,
      `uploads/ü ${user.userId}/${pendingId}`,
      `uploads/someone-else/${pendingId}`,
      `uploads/${user.userId}/${pendingId.toUpperCase()}`,
      `uploads/../uploads/${user.userId}/${pendingId}`,
    ];
    // Written with the SDK: the local S3 sends its own notifications for these too.
    for (const key of existing)
      await s3.send(
        new PutObjectCommand({ Bucket: endpoints.bucket, Key: key, Body: picture, ContentType: 'image/jpeg' }),
      );
    await waitForAsyncIdle(endpoints);

    const missing = [
      `uploads/${user.userId}/no such photo+.jpg`,
      `uploads/${user.userId}/ünïcödé ${randomUUID()}`,
      `uploads/${user.userId}/${randomUUID()}`, // well formed, no item, no object
      `uploads/${randomUUID()}/${pendingId}`, // well formed, someone else's item
      `uploads/${user.userId}/${pendingId}%00`,
    ];
    const messages = [
      ...[...existing, ...missing].map((key) => s3Event(s3Encoded(key), picture.length)),
      // The same keys double-encoded, and escapes that do not decode.
      ...existing.map((key) => s3Event(s3Encoded(s3Encoded(key)), picture.length)),
      ...['%', '%E0%A4%A', '%ZZ', `uploads/${user.userId}/%C0%AF`, `uploads%2F${user.userId}%2F${pendingId}%`].map(
        (raw) => s3Event(raw, 10),
      ),
      // The READY item's own key, encoded every way S3 might: a duplicate, skipped.
      s3Event(readyKey.replace(/\//g, '%2F'), readyJpeg.length),
      s3Event(readyKey, 'not a number'),
      // Shapes that are not uploads at all.
      s3Event(s3Encoded(`uploads/${user.userId}/gone.jpg`), 10, 'ObjectRemoved:Delete'),
      s3Event(42, 10),
      s3Event(null, 10),
      JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: endpoints.bucket }),
      JSON.stringify({ Records: 'not a list' }),
      JSON.stringify({
        Records: [null, {}, { eventName: 'ObjectCreated:Put' }, { eventName: 'ObjectCreated:Put', s3: {} }],
      }),
      'not json at all',
    ];
    await Promise.all(messages.map(publish));
    await waitForAsyncIdle(endpoints, 60_000);

    // No function failed (nothing went to an on-failure destination), nothing was derived or removed.
    expect(newFailures(failuresBefore, await failureLines())).toEqual([]);
    expect((await listKeys(s3, endpoints.bucket, 'derived/')).sort()).toEqual(
      [...derivedBefore, ...derivedOfReady].sort(),
    );
    for (const key of existing) {
      await expect(s3.send(new HeadObjectCommand({ Bucket: endpoints.bucket, Key: key })), key).resolves.toBeTruthy();
    }
    const readyAfter = (await api(endpoints, 'GET', `/content/${readyId}`, { token: user.accessToken })).body;
    expect([readyAfter.status, readyAfter.version, readyAfter.updatedAt]).toEqual([
      'READY',
      ready.version,
      ready.updatedAt,
    ]);
    expect((await api(endpoints, 'GET', `/content/${pendingId}`, { token: user.accessToken })).body.status).toBe(
      'PENDING',
    );

    await s3.send(
      new DeleteObjectsCommand({ Bucket: endpoints.bucket, Delete: { Objects: existing.map((Key) => ({ Key })) } }),
    );
    await waitForAsyncIdle(endpoints);
    expect(newFailures(failuresBefore, await failureLines())).toEqual([]);

    // And the next good upload is processed as usual.
    await expectGoodUploadReady(4);
  }, 180_000);
});
