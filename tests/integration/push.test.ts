// Pushes on the local stack: a friend's upload goes through the Content stream, the notifier, the
// push window (Notifications table + the SQS delay queue + the flusher) and SNS Publish to the
// recipient's registered devices; the local SNS keeps what each device received. The stack's push
// window is PUSH_WINDOW_SECONDS (tests/support/endpoints.ts).
import { ListEndpointsByPlatformApplicationCommand } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { api, postToS3, type Session, waitForProcessed } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';
import { streamHandler } from '../../shared/lambda/stream';
import { notifier } from '../../shared/notifications/deps';
import { notifierRecordHandler } from '../../shared/notifications/dynamo-streams';
import { clients, eventually } from '../support/aws';
import { PUSH_WINDOW_SECONDS, stackEndpoints } from '../support/endpoints';
import { befriend, block, readyContent, signUp, unfriend } from '../support/social';
import { StreamTap, streamsClient } from '../support/stream-records';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDocumentClient } from '../../scripts/lib/client';

const endpoints = stackEndpoints();
const FRIENDS = { visibility: 'friends' };
const { dynamo, sns } = clients(endpoints);

/** A window's summary comes at most this long after its last event (the window, and room for a busy machine). */
const WINDOW_WAIT_MS = (PUSH_WINDOW_SECONDS + 30) * 1000;

interface Device {
  deviceId: string;
  endpointArn: string;
  platform: string;
}
interface Delivery {
  endpointArn: string;
  platform: string;
  message: any;
  at: string;
}

let run = 0;
/** A user with a display name; the recipients here do not want pushes about friend requests (befriending sends them one). */
async function person(name: string, prefs: Record<string, boolean> = {}): Promise<Session> {
  const session = await signUp(endpoints, `push-${name}-${Date.now()}-${run++}@example.com`, 'push-pass-42');
  const res = await api(endpoints, 'PUT', '/me', {
    token: session.accessToken,
    body: { displayName: name, notificationPreferences: { newContent: true, friendRequests: false, ...prefs } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return session;
}

async function registerDevices(user: Session): Promise<[Device, Device]> {
  const hex = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
  const fcm = `fcm_${crypto.randomUUID()}_${crypto.randomUUID()}`.replace(/-/g, '_');
  const out: Device[] = [];
  for (const body of [
    { platform: 'APNS_SANDBOX', token: hex },
    { platform: 'FCM', token: fcm },
  ]) {
    const res = await api(endpoints, 'POST', '/devices', { token: user.accessToken, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    out.push(res.body);
  }
  return out as [Device, Device];
}

async function deliveries(device: Device): Promise<Delivery[]> {
  const res = await fetch(`${endpoints.sns}/_local/deliveries?endpointArn=${encodeURIComponent(device.endpointArn)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Delivery[];
}

const pushesTo = (device: Device, atLeast: number) =>
  eventually(
    `${atLeast} push(es) to the ${device.platform} device`,
    async () => {
      const list = await deliveries(device);
      return list.length >= atLeast ? list : undefined;
    },
    WINDOW_WAIT_MS,
  );

/** The user's push window item (shared/notifications/dynamo-windows.ts). */
async function pushWindow(userId: string): Promise<Record<string, any> | undefined> {
  const out = await dynamo.send(
    new GetCommand({ TableName: endpoints.tables.NotificationsTable, Key: { userId, sortKey: '~push' } }),
  );
  return out.Item;
}

/** Waits until the user's last window ended with nothing left to send (its flush closed it). */
const windowClosed = (user: Session, what: string) =>
  eventually(
    `${what}: the push window closed`,
    async () => {
      const window = await pushWindow(user.userId);
      return window?.windowEnd === 0 ? window : undefined;
    },
    WINDOW_WAIT_MS,
  );

const count = (d: Delivery) =>
  d.platform === 'GCM' ? Number(d.message.fcmV1Message.message.data.count) : d.message.count;

async function inbox(user: Session) {
  const res = await api(endpoints, 'GET', '/notifications?limit=50', { token: user.accessToken });
  expect(res.status).toBe(200);
  return res.body as {
    items: Array<{ type: string; actors: string[]; contentIds: string[]; count: number; at: string }>;
    unseen: number;
  };
}

/** Posts a picture without waiting for it to be processed; its content id. */
async function upload(owner: Session, visibility = 'friends'): Promise<string> {
  const jpeg = await makeJpeg(64, 48);
  const created = await api(endpoints, 'POST', '/content', {
    token: owner.accessToken,
    body: { contentType: 'image/jpeg', size: jpeg.length, visibility },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await postToS3(created.body, jpeg, 'image/jpeg');
  return created.body.contentId;
}

it("pushes a friend's new picture once to each of the recipient's devices, in each platform's shape, and files it", async () => {
  const ana = await person('Ana');
  const ben = await person('Ben');
  await befriend(endpoints, ana, ben);
  const [apns, fcm] = await registerDevices(ben);

  const id = await readyContent(endpoints, ana, { visibility: 'friends' });
  const [[toApns], [toFcm]] = await Promise.all([pushesTo(apns, 1), pushesTo(fcm, 1)]);
  const { items, unseen } = await inbox(ben);
  expect(items).toContainEqual(
    expect.objectContaining({ type: 'new-content', actors: [ana.userId], contentIds: [id], count: 1 }),
  );

  expect(toApns!.platform).toBe('APNS_SANDBOX');
  expect(toApns!.message).toEqual({
    aps: {
      alert: { title: 'media-share', body: 'Ana shared a new photo' },
      badge: unseen,
      sound: 'default',
      'thread-id': 'new-content',
    },
    type: 'new-content',
    count: 1,
    contentIds: [id],
  });
  expect(toFcm!.platform).toBe('GCM');
  expect(toFcm!.message).toEqual({
    fcmV1Message: {
      message: {
        notification: { title: 'media-share', body: 'Ana shared a new photo' },
        data: { type: 'new-content', count: '1', badge: String(unseen), contentIds: id },
        android: { notification: { tag: 'new-content' } },
      },
    },
  });

  // The window ends with nothing more to say: still one push per device.
  await windowClosed(ben, 'after one picture');
  expect(await deliveries(apns)).toHaveLength(1);
  expect(await deliveries(fcm)).toHaveLength(1);
});

it('sums a burst of 20 pictures by 3 friends in at most 2 pushes per device, whose counts add up to 20', async () => {
  const ben = await person('Ben');
  const friends = await Promise.all(['Ana', 'Cy', 'Dan'].map((n) => person(n)));
  for (const friend of friends) await befriend(endpoints, friend, ben);
  const devices = await registerDevices(ben);

  const ids = await Promise.all(
    friends.map(async (friend, f) => {
      const mine: string[] = [];
      for (let i = f; i < 20; i += 3) mine.push(await upload(friend));
      return mine;
    }),
  );
  for (const [f, mine] of ids.entries())
    for (const id of mine)
      expect((await waitForProcessed(endpoints, friends[f]!.accessToken, id)).body.status).toBe('READY');

  await windowClosed(ben, 'after the burst');
  for (const device of devices) {
    const pushes = await deliveries(device);
    expect(pushes.length).toBeGreaterThanOrEqual(1);
    expect(pushes.length).toBeLessThanOrEqual(2);
    expect(pushes.map(count).reduce((a, b) => a + b)).toBe(20);
  }
  const last = (await deliveries(devices[0])).at(-1)!;
  expect(last.message.aps.alert.body).toMatch(/^(Ana|Cy|Dan) and (\d+ others|Ana|Cy|Dan) shared \d+ new photos$/);

  // The inbox: one entry per friend and window, 20 pictures in all.
  const { items } = await inbox(ben);
  const entries = items.filter((e) => e.type === 'new-content');
  expect(new Set(entries.map((e) => `${e.actors[0]}@${e.at}`)).size).toBe(entries.length);
  expect(entries.reduce((sum, e) => sum + e.count, 0)).toBe(20);
  expect(entries.flatMap((e) => e.contentIds).sort()).toEqual(ids.flat().sort());
});

it('counts none of the pictures unfriended, blocked, made private or deleted inside the window, and sends no empty summary', async () => {
  const ben = await person('Ben');
  const [eve, ana, cy, dan, fay] = await Promise.all(['Eve', 'Ana', 'Cy', 'Dan', 'Fay'].map((n) => person(n)));
  for (const friend of [eve, ana, cy, dan, fay]) await befriend(endpoints, friend!, ben);
  const [device] = await registerDevices(ben);

  // Eve's picture opens the window with an immediate push.
  const opener = await readyContent(endpoints, eve!, FRIENDS);
  await pushesTo(device, 1);
  const { windowEnd } = (await pushWindow(ben.userId))!;

  // Inside it, four pictures that wait for the window's summary...
  const [a, c, d, f] = await Promise.all([ana, cy, dan, fay].map((u) => readyContent(endpoints, u!, FRIENDS)));
  await eventually('the four pictures waiting in the window', async () => {
    const pending = [...((await pushWindow(ben.userId))?.pending ?? [])].map((k) => String(k).split('#')[2]);
    return [a, c, d, f].every((id) => pending.includes(id)) ? true : undefined;
  });
  // ... and that Ben may no longer see when it ends.
  await unfriend(endpoints, ben, ana!);
  await block(endpoints, cy!, ben);
  const etag = (await api(endpoints, 'GET', `/content/${d}`, { token: dan!.accessToken })).headers.get('etag')!;
  const patched = await api(endpoints, 'PATCH', `/content/${d}`, {
    token: dan!.accessToken,
    headers: { 'if-match': etag },
    body: { visibility: 'private' },
  });
  expect(patched.status).toBe(200);
  expect((await api(endpoints, 'DELETE', `/content/${f}`, { token: fay!.accessToken })).status).toBe(204);
  expect(
    (await pushWindow(ben.userId))?.windowEnd,
    `the window ended before the changes were made (PUSH_WINDOW_SECONDS ${PUSH_WINDOW_SECONDS} is too short for this machine)`,
  ).toBe(windowEnd);

  const closed = await windowClosed(ben, 'after the changes');
  expect(closed.openedBy).toBe(`flush#${windowEnd}`); // the flush ran, and found nothing to send
  expect(await deliveries(device)).toHaveLength(1);
  const shown = (await inbox(ben)).items.flatMap((e) => e.contentIds);
  expect(shown).toContain(opener);
  for (const id of [a, c, d, f]) expect(shown).not.toContain(id);
});

it('sends nothing for a muted type (the inbox still has it), and nothing more for a redelivered record or a replayed batch', async () => {
  const ben = await person('Ben', { newContent: false });
  const ana = await person('Ana');
  await befriend(endpoints, ana, ben);
  const devices = await registerDevices(ben);
  const muted = await readyContent(endpoints, ana, FRIENDS);
  await eventually('the muted picture in the inbox', async () =>
    (await inbox(ben)).items.some((e) => e.contentIds.includes(muted)) ? true : undefined,
  );

  // Ana, who wants pushes, gets one about Ben's picture; then the same records go through the notifier again.
  const [anasDevice] = await registerDevices(ana);
  const id = await readyContent(endpoints, ben, FRIENDS);
  await pushesTo(anasDevice, 1);
  const records = (await contentTap()).filter(
    (r) => r.dynamodb?.NewImage?.contentId?.S && [muted, id].includes(r.dynamodb.NewImage.contentId.S),
  );
  expect(records.length).toBeGreaterThan(0);
  const replay = streamHandler(notifierRecordHandler(notifier(localWiring())));
  for (const record of records) await replay({ Records: [record] }, {} as never); // redelivered one by one
  await replay({ Records: [...records, ...records] }, {} as never); // and as one batch, twice over

  await windowClosed(ana, "after Ana's push");
  expect(await deliveries(anasDevice)).toHaveLength(1);
  for (const device of devices) expect(await deliveries(device)).toEqual([]);
  expect(await pushWindow(ben.userId)).toBeUndefined(); // a muted event opens no window
});

it('prunes a device whose endpoint SNS reports disabled, and publishes to it no more', async () => {
  const ben = await person('Ben');
  const ana = await person('Ana');
  await befriend(endpoints, ana, ben);
  const [gone, kept] = await registerDevices(ben);
  const disabled = await fetch(`${endpoints.sns}/_local/endpoints/disable`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ endpointArn: gone.endpointArn }),
  });
  expect(disabled.status).toBeLessThan(300);

  await readyContent(endpoints, ana, FRIENDS);
  await pushesTo(kept, 1);
  await eventually('the disabled device removed', async () => {
    const list = (await api(endpoints, 'GET', '/devices', { token: ben.accessToken })).body.items as Device[];
    return list.some((d) => d.deviceId === gone.deviceId) ? undefined : list;
  });
  const app = endpoints.platformApplications.find((a) => a.includes(':app/APNS_SANDBOX/'))!;
  const left = await sns.send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: app }));
  expect((left.Endpoints ?? []).map((e) => e.EndpointArn)).not.toContain(gone.endpointArn);

  // A second picture in the same window goes out in the summary, to the kept device only.
  await readyContent(endpoints, ana, FRIENDS);
  await pushesTo(kept, 2);
  expect(await deliveries(gone)).toEqual([]);
});

/** The notifier's clients and configuration for the local stack, for replaying records in this process. */
function localWiring() {
  const base = { region: endpoints.region, credentials: endpoints.credentials };
  return {
    dynamo: localDocumentClient(endpoints),
    sns,
    sqs: new SQSClient({ ...base, endpoint: endpoints.sqs }),
    env: {
      NOTIFICATIONS_TABLE: endpoints.tables.NotificationsTable,
      FRIENDSHIPS_TABLE: endpoints.tables.FriendshipsTable,
      CONTENT_TABLE: endpoints.tables.ContentTable,
      USERS_TABLE: endpoints.tables.UsersTable,
      DEVICES_TABLE: endpoints.tables.DevicesTable,
      PUSH_WINDOW_QUEUE_URL: queueUrl,
      NOTIFY_WINDOW_SECONDS: String(PUSH_WINDOW_SECONDS),
    },
  };
}

let queueUrl = '';
beforeAll(async () => {
  const sqs = new SQSClient({ region: endpoints.region, credentials: endpoints.credentials, endpoint: endpoints.sqs });
  queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'media-share-local-push-window' }))).QueueUrl!;
});

async function contentTap(): Promise<DynamoDBRecord[]> {
  const ddb = new DynamoDBClient({
    region: endpoints.region,
    credentials: endpoints.credentials,
    endpoint: endpoints.dynamodb,
  });
  const tap = await StreamTap.open(
    ddb,
    streamsClient(endpoints.dynamodb, endpoints.region, endpoints.credentials),
    endpoints.tables.ContentTable!,
    endpoints.region,
  );
  return tap.take();
}
