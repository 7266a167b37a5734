import type { ContentItem } from '#shared/content/model';
import type { Visible } from '#shared/content/ports';
import type { Relationship } from '#shared/content/visibility';
import type { Device } from '#shared/devices/model';
import type { PushWindow, PushWindows } from '#shared/notifications/ports';
import { eventKey, eventOfKey, type PushEvent, platformMessage, summarize } from '#shared/notifications/push';
import { Pusher } from '#shared/notifications/pusher';
import type { NotificationPreferences } from '#shared/users/model';

/** The push window item in memory, with the DynamoDB store's conditions (shared/notifications/dynamo-windows.ts). */
class MemoryWindows implements PushWindows {
  readonly items = new Map<string, PushWindow & { pushedFor?: string }>();
  async join(userId: string, key: string, pushId: string, now: number) {
    const w = this.items.get(userId);
    if (!w || !(w.windowEnd > now || w.pending.length) || w.openedBy === pushId) return undefined;
    if (!w.pending.includes(key)) w.pending.push(key);
    return w.windowEnd;
  }
  async open(userId: string, pushId: string, now: number, windowEnd: number) {
    const w = this.items.get(userId);
    if (w && (w.windowEnd > now || w.pending.length)) return false;
    this.items.set(userId, { ...w, windowEnd, openedBy: pushId, pending: [], flushing: [] });
    return true;
  }
  async get(userId: string) {
    const w = this.items.get(userId);
    return w && { ...w, pending: [...w.pending], flushing: [...w.flushing] };
  }
  async startFlush(userId: string, windowEnd: number, nextEnd: number) {
    const w = this.items.get(userId);
    if (!w || w.windowEnd !== windowEnd || !w.pending.length) return undefined;
    Object.assign(w, { windowEnd: nextEnd, openedBy: `flush#${windowEnd}`, flushing: w.pending, pending: [] });
    return [...w.flushing];
  }
  async closeIdle(userId: string, windowEnd: number) {
    const w = this.items.get(userId);
    if (!w || w.windowEnd !== windowEnd || w.pending.length) return false;
    w.windowEnd = 0;
    return true;
  }
  async closeOpenedBy(userId: string, pushId: string) {
    const w = this.items.get(userId);
    if (w && w.openedBy === pushId && !w.pending.length) w.windowEnd = 0;
  }
  async claimPush(userId: string, pushId: string) {
    const w = this.items.get(userId);
    if (!w || w.openedBy !== pushId || w.pushedFor === pushId) return false;
    w.pushedFor = pushId;
    return true;
  }
}

const WINDOW = 60;
const photo = (actorId: string, n: number): PushEvent => ({
  type: 'new-content',
  actorId,
  contentId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
});

function setup(
  options: {
    hidden?: string[];
    relationships?: Record<string, Relationship>;
    muted?: Partial<NotificationPreferences>;
  } = {},
) {
  let clock = Date.parse('2026-03-01T10:00:00.000Z');
  const windows = new MemoryWindows();
  const scheduled: Array<{ userId: string; windowEnd: number; delaySeconds: number }> = [];
  const published: Array<{ endpointArn: string; message: Record<string, string> }> = [];
  const gone = new Set<string>();
  const removed: string[] = [];
  const devices: Device[] = ['phone', 'tablet'].map((deviceId) => ({
    userId: 'ben',
    deviceId,
    platform: deviceId === 'phone' ? 'APNS' : 'FCM',
    token: deviceId,
    endpointArn: `arn:endpoint/${deviceId}`,
    createdAt: '',
    updatedAt: '',
  }));
  const pusher = new Pusher(
    {
      windows,
      flushes: {
        schedule: async (userId, windowEnd, delaySeconds) => void scheduled.push({ userId, windowEnd, delaySeconds }),
      },
      devices: {
        listFor: async () => devices.filter((d) => !removed.includes(d.deviceId)),
        remove: async (_user, deviceId) => {
          removed.push(deviceId);
          return true;
        },
      },
      sender: {
        publish: async (endpointArn, message) => {
          if (gone.has(endpointArn)) return 'gone';
          published.push({ endpointArn, message: JSON.parse(message) });
          return 'sent';
        },
        remove: async (endpointArn) => void gone.delete(endpointArn),
      },
      audience: {
        preferences: async () => ({ newContent: true, friendRequests: true, friendAccepts: true, ...options.muted }),
        displayNames: async (ids) => new Map(ids.filter((id) => id !== 'nameless').map((id) => [id, id.toUpperCase()])),
      },
      checks: {
        many: async (_viewer, ids) =>
          ids
            .filter((id) => !options.hidden?.includes(id))
            .map((id) => ({ item: { contentId: id } as ContentItem }) as Visible),
      },
      friendships: {
        relationships: async (_viewer, others) =>
          new Map(others.map((o) => [o, options.relationships?.[o] ?? ('friend' as Relationship)])),
      },
      badge: async () => 3,
    },
    WINDOW,
    () => clock,
  );
  const pushes = () => published.filter((p) => p.endpointArn === 'arn:endpoint/phone');
  const apns = (i: number) => JSON.parse(pushes()[i]!.message.APNS!);
  return {
    pusher,
    windows,
    scheduled,
    published,
    pushes,
    apns,
    gone,
    removed,
    tick: (seconds: number) => {
      clock += seconds * 1000;
    },
    now: () => clock,
  };
}

describe('Pusher', () => {
  it('pushes the first event at once, keeps the rest of the window for one summary, and closes a quiet window', async () => {
    const t = setup();
    expect(await t.pusher.onEvent('ben', photo('ana', 1))).toBe('sent');
    expect(t.published).toHaveLength(2);
    const end = t.now() + WINDOW * 1000;
    expect(t.scheduled).toEqual([{ userId: 'ben', windowEnd: end, delaySeconds: WINDOW }]);
    expect(t.apns(0).aps).toEqual({
      alert: { title: 'media-share', body: 'ANA shared a new photo' },
      badge: 3,
      sound: 'default',
      'thread-id': 'new-content',
    });

    for (const [i, actor] of ['ana', 'cy', 'dan', 'ana'].entries()) {
      t.tick(5);
      expect(await t.pusher.onEvent('ben', photo(actor, i + 2))).toBe('joined');
    }
    // A redelivered event joins once.
    expect(await t.pusher.onEvent('ben', photo('cy', 3))).toBe('joined');
    expect(t.published).toHaveLength(2);

    t.tick(WINDOW);
    expect(await t.pusher.flush('ben', end)).toBe('sent');
    expect(t.pushes()).toHaveLength(2);
    expect(t.apns(1).aps.alert.body).toBe('ANA and 2 others shared 4 new photos');
    expect(t.apns(1).count).toBe(4);
    // The summary opened the next window: an event now waits for its end.
    const next = t.scheduled.at(-1)!;
    expect(next.windowEnd).toBe(t.now() + WINDOW * 1000);
    t.tick(1);
    expect(await t.pusher.onEvent('ben', photo('ana', 9))).toBe('joined');
    t.tick(WINDOW);
    expect(await t.pusher.flush('ben', next.windowEnd)).toBe('sent');
    expect(t.apns(2).aps.alert.body).toBe('ANA shared a new photo');

    // Nothing arrives in the window that summary opened: it closes, and the next event goes out at once.
    const quiet = t.scheduled.at(-1)!;
    t.tick(WINDOW);
    expect(await t.pusher.flush('ben', quiet.windowEnd)).toBe('not-due');
    t.tick(1);
    expect(await t.pusher.onEvent('ben', photo('cy', 10))).toBe('sent');
    expect(t.pushes()).toHaveLength(4);
  });

  it('sends nothing twice: a redelivered opening event, a retried flush, a flush of an old window', async () => {
    const t = setup();
    await t.pusher.onEvent('ben', photo('ana', 1));
    expect(await t.pusher.onEvent('ben', photo('ana', 1))).toBe('claimed-before');
    const end = t.scheduled[0]!.windowEnd;
    t.tick(10);
    await t.pusher.onEvent('ben', photo('cy', 2));
    t.tick(WINDOW);
    expect(await t.pusher.flush('ben', end)).toBe('sent');
    expect(await t.pusher.flush('ben', end)).toBe('claimed-before');
    expect(t.pushes()).toHaveLength(2);
  });

  it('resumes a flush that stopped after taking the window and before sending', async () => {
    const t = setup();
    await t.pusher.onEvent('ben', photo('ana', 1));
    const end = t.scheduled[0]!.windowEnd;
    t.tick(10);
    await t.pusher.onEvent('ben', photo('cy', 2));
    t.tick(WINDOW);
    // The first attempt took the pending events and died before publishing.
    await t.windows.startFlush('ben', end, t.now() + WINDOW * 1000);
    expect(await t.pusher.flush('ben', end)).toBe('sent');
    expect(t.apns(1).aps.alert.body).toBe('CY shared a new photo');
  });

  it('counts only what the recipient may still see and wants when the summary is sent; an empty one is not sent', async () => {
    const hidden: string[] = [];
    const relationships: Record<string, Relationship> = {};
    const t = setup({ hidden, relationships });
    await t.pusher.onEvent('ben', photo('ana', 1));
    const end = t.scheduled[0]!.windowEnd;
    for (const [i, actor] of ['ana', 'cy', 'dan'].entries()) await t.pusher.onEvent('ben', photo(actor, i + 2));
    hidden.push(photo('ana', 2).contentId!);
    relationships.dan = 'blocked';
    t.tick(WINDOW);
    await t.pusher.flush('ben', end);
    expect(t.apns(1).aps.alert.body).toBe('CY shared a new photo');
    expect(t.apns(1).contentIds).toEqual([photo('cy', 3).contentId]);

    const next = t.scheduled.at(-1)!;
    await t.pusher.onEvent('ben', photo('cy', 5));
    hidden.push(photo('cy', 5).contentId!);
    t.tick(WINDOW);
    expect(await t.pusher.flush('ben', next.windowEnd)).toBe('empty');
    expect(t.pushes()).toHaveLength(2);
    // The empty summary closed its window: the next event goes out at once.
    expect(await t.pusher.onEvent('ben', photo('cy', 6))).toBe('sent');
  });

  it('honours a muted type at send time and tells requests and acceptances only while they stand', async () => {
    const t = setup({ muted: { newContent: false }, relationships: { eve: 'pending', fay: 'none' } });
    expect(await t.pusher.onEvent('ben', photo('ana', 1))).toBe('empty');
    expect(await t.pusher.onEvent('ben', { type: 'friend-request', actorId: 'eve' })).toBe('sent');
    const end = t.scheduled.at(-1)!.windowEnd;
    await t.pusher.onEvent('ben', { type: 'friend-request', actorId: 'fay' });
    await t.pusher.onEvent('ben', { type: 'friend-accepted', actorId: 'ana' });
    await t.pusher.onEvent('ben', photo('ana', 2));
    t.tick(WINDOW);
    await t.pusher.flush('ben', end);
    expect(t.pushes().map((_, i) => t.apns(i).aps.alert.body)).toEqual([
      'EVE sent you a friend request',
      'ANA accepted your friend request',
    ]);
  });

  it('removes a device whose endpoint the platform reports gone, and publishes to it no more', async () => {
    const t = setup();
    t.gone.add('arn:endpoint/tablet');
    await t.pusher.onEvent('ben', photo('ana', 1));
    expect(t.removed).toEqual(['tablet']);
    expect(t.gone.size).toBe(0);
    t.tick(WINDOW + 1);
    await t.pusher.onEvent('ben', photo('ana', 2));
    expect(t.published.map((p) => p.endpointArn)).toEqual(['arn:endpoint/phone', 'arn:endpoint/phone']);
  });
});

describe('push messages', () => {
  it('names actors and counts per type', () => {
    const names = new Map([
      ['ana', 'Ana'],
      ['ben', 'Ben'],
    ]);
    const body = (events: PushEvent[]) => summarize(events, names, 0).body;
    expect(body([photo('ana', 1), photo('ben', 2)])).toBe('Ana and Ben shared 2 new photos');
    expect(body([photo('ana', 1), photo('ana', 2)])).toBe('Ana shared 2 new photos');
    expect(body([photo('nameless', 1)])).toBe('Someone shared a new photo');
    expect(
      body([
        photo('ana', 1),
        { type: 'friend-request', actorId: 'ben' },
        { type: 'friend-request', actorId: 'cy' },
        { type: 'friend-accepted', actorId: 'ana' },
      ]),
    ).toBe('Ana shared a new photo. Ben and Someone sent you friend requests. Ana accepted your friend request');
    expect(summarize([photo('ana', 1), { type: 'friend-request', actorId: 'ben' }], names, 0).thread).toBe('activity');
  });

  it('is one MessageStructure json message with the APNs and FCM v1 shapes', () => {
    const ids = Array.from({ length: 30 }, (_, i) => photo('ana', i));
    const message = JSON.parse(platformMessage(summarize(ids, new Map([['ana', 'Ana']]), 7)));
    expect(Object.keys(message).sort()).toEqual(['APNS', 'APNS_SANDBOX', 'GCM', 'default']);
    expect(message.APNS_SANDBOX).toBe(message.APNS);
    const apns = JSON.parse(message.APNS);
    expect(apns.aps).toMatchObject({
      alert: { body: 'Ana shared 30 new photos' },
      badge: 7,
      'thread-id': 'new-content',
    });
    expect(apns.contentIds).toHaveLength(20);
    const fcm = JSON.parse(message.GCM).fcmV1Message.message;
    expect(fcm.notification).toEqual({ title: 'media-share', body: 'Ana shared 30 new photos' });
    expect(fcm.data.count).toBe('30');
    expect(fcm.data.contentIds.split(',')).toEqual(apns.contentIds);
    for (const value of Object.values(fcm.data)) expect(typeof value).toBe('string');
  });

  it('round-trips event keys and refuses others', () => {
    for (const event of [photo('ana', 1), { type: 'friend-request' as const, actorId: 'ana' }])
      expect(eventOfKey(eventKey(event))).toEqual(event);
    expect(eventOfKey('new-content#ana')).toBeUndefined();
    expect(eventOfKey('other#ana')).toBeUndefined();
  });
});
