// What a push says and how each platform wants it. The push path hands events around as keys
// (`new-content#{actor}#{contentId}`, `friend-request#{actor}`, `friend-accepted#{actor}`): a
// window's pending events are a set of them, so an event added twice is one. A push is built from
// the events still worth telling when it is sent (shared/notifications/pusher.ts filters them).
import type { NotificationPreferences } from '#shared/users/model';
import type { InboxEvent } from '#shared/notifications/model';

/** One thing a push tells about. */
export interface PushEvent {
  type: InboxEvent['type'];
  actorId: string;
  contentId?: string;
}

/** Content ids a payload carries at most (the app opens the inbox for the rest): APNs allows 4 KB. */
const PAYLOAD_CONTENT_IDS_MAX = 20;
const TITLE = 'media-share';

export function eventKey(event: PushEvent): string {
  return event.type === 'new-content'
    ? `${event.type}#${event.actorId}#${event.contentId}`
    : `${event.type}#${event.actorId}`;
}

/** The event of a key; undefined for a key this code did not write. */
export function eventOfKey(key: string): PushEvent | undefined {
  const [type, actorId, contentId] = key.split('#');
  if (!actorId) return undefined;
  if (type === 'new-content' && contentId) return { type, actorId, contentId };
  if ((type === 'friend-request' || type === 'friend-accepted') && contentId === undefined) return { type, actorId };
  return undefined;
}

/** Whether the recipient wants pushes of this type (a muted type still has its inbox entry). */
export function wanted(type: PushEvent['type'], preferences: NotificationPreferences): boolean {
  if (type === 'new-content') return preferences.newContent;
  if (type === 'friend-request') return preferences.friendRequests;
  return preferences.friendAccepts;
}

/** A push as the app shows it. */
export interface Push {
  title: string;
  body: string;
  /** The type when all events share one, else `activity`: APNs groups by it (`thread-id`). */
  thread: string;
  /** The unseen inbox entries: the app icon's badge. */
  badge: number;
  /** How many events it tells about (pictures, requests, acceptances). */
  count: number;
  contentIds: string[];
}

/**
 * One push for a set of events: "Ana shared a new photo", "Ana and 2 others shared 5 new photos",
 * "Ben sent you a friend request", ... one sentence per type, in that order. Actors are named in
 * the order they first appear; one without a display name is "Someone".
 */
export function summarize(events: readonly PushEvent[], names: ReadonlyMap<string, string>, badge: number): Push {
  const of = (type: PushEvent['type']) => events.filter((e) => e.type === type);
  const photos = of('new-content');
  const requests = of('friend-request');
  const accepts = of('friend-accepted');
  const who = (list: readonly PushEvent[]) => actorsPhrase([...new Set(list.map((e) => e.actorId))], names);
  const sentences: string[] = [];
  if (photos.length)
    sentences.push(`${who(photos).text} shared ${photos.length === 1 ? 'a new photo' : `${photos.length} new photos`}`);
  if (requests.length) {
    const actors = who(requests);
    sentences.push(`${actors.text} sent you ${actors.many ? 'friend requests' : 'a friend request'}`);
  }
  if (accepts.length) {
    const actors = who(accepts);
    sentences.push(`${actors.text} accepted your friend ${actors.many ? 'requests' : 'request'}`);
  }
  const types = new Set(events.map((e) => e.type));
  return {
    title: TITLE,
    body: sentences.join('. '),
    thread: types.size === 1 ? [...types][0]! : 'activity',
    badge,
    count: events.length,
    contentIds: [...new Set(photos.map((e) => e.contentId!))],
  };
}

function actorsPhrase(
  actorIds: readonly string[],
  names: ReadonlyMap<string, string>,
): { text: string; many: boolean } {
  const name = (id: string) => names.get(id) ?? 'Someone';
  const [first, second] = actorIds;
  if (actorIds.length === 1) return { text: name(first!), many: false };
  if (actorIds.length === 2) return { text: `${name(first!)} and ${name(second!)}`, many: true };
  const others = actorIds.length - 1;
  return { text: `${name(first!)} and ${others} others`, many: true };
}

/**
 * The one SNS message (`MessageStructure: json`) for every platform: APNs gets `aps.alert`, the
 * badge and `thread-id` (production and sandbox alike), FCM the HTTP v1 `notification` and `data`
 * (values are strings there); `default` is the text for anything else.
 */
export function platformMessage(push: Push): string {
  const contentIds = push.contentIds.slice(0, PAYLOAD_CONTENT_IDS_MAX);
  const apns = JSON.stringify({
    aps: {
      alert: { title: push.title, body: push.body },
      badge: push.badge,
      sound: 'default',
      'thread-id': push.thread,
    },
    type: push.thread,
    count: push.count,
    contentIds,
  });
  const fcm = JSON.stringify({
    fcmV1Message: {
      message: {
        notification: { title: push.title, body: push.body },
        data: {
          type: push.thread,
          count: String(push.count),
          badge: String(push.badge),
          contentIds: contentIds.join(','),
        },
        android: { notification: { tag: push.thread } },
      },
    },
  });
  return JSON.stringify({ default: push.body, APNS: apns, APNS_SANDBOX: apns, GCM: fcm });
}
