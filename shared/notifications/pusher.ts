// The push path: at most one push per recipient per window. The first event after a quiet window
// opens a window and is pushed at once; what arrives inside it waits in the window and goes out at
// its end as one summary, which opens the next window (so a steady stream gives one push per
// window). A summary counts only what the recipient may still see, and wants, when it is sent.
//
// Exactly once: every push has a deterministic id (`open#{eventKey}` or `flush#{windowEnd}`),
// claimed with a conditional write right before it is published; a redelivered record, a retried
// flush or a notifier retried after a crash finds the claim and sends nothing. The window's events
// are a set, so an event joins it once however often it is delivered.
import type { ContentChecks } from '#shared/content/ports';
import type { DeviceStore } from '#shared/devices/ports';
import { logger } from '#shared/core/observability';
import type { FriendshipStore } from '#shared/friends/ports';
import { eventKey, eventOfKey, type PushEvent, platformMessage, summarize, wanted } from '#shared/notifications/push';
import type { FlushScheduler, PushAudience, PushSender, PushWindows } from '#shared/notifications/ports';

export interface PusherDeps {
  windows: PushWindows;
  flushes: FlushScheduler;
  devices: Pick<DeviceStore, 'listFor' | 'remove'>;
  sender: PushSender;
  audience: PushAudience;
  checks: ContentChecks;
  friendships: Pick<FriendshipStore, 'relationships'>;
  /** The recipient's unseen inbox entries (the badge), counted as GET /notifications counts them. */
  badge(userId: string): Promise<number>;
}

/** What became of an event or a flush (for logs and tests). */
export type PushOutcome =
  | 'sent' // published to the recipient's devices (possibly none)
  | 'joined' // waits in the open window for its summary
  | 'empty' // nothing left to tell (muted, no longer visible): nothing sent
  | 'claimed-before' // this push was sent before: nothing sent again
  | 'not-due'; // a flush of a window that is gone or has nothing pending

/** Attempts at joining or opening a window when other events race for it. */
const WINDOW_ATTEMPTS = 5;

export class Pusher {
  constructor(
    private readonly deps: PusherDeps,
    private readonly windowSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * An event for the recipient: pushed now, or kept for the window's summary. One the recipient
   * does not want pushed (or may not see) touches no window, so it delays nothing.
   */
  async onEvent(recipientId: string, event: PushEvent): Promise<PushOutcome> {
    if (!(await this.stillToTell(recipientId, [event])).length) return 'empty';
    const key = eventKey(event);
    const pushId = `open#${key}`;
    for (let attempt = 0; attempt < WINDOW_ATTEMPTS; attempt++) {
      const now = this.now();
      const joinedEnd = await this.deps.windows.join(recipientId, key, pushId, now);
      if (joinedEnd !== undefined) {
        // A window that ended with its summary still due: make sure one is on its way.
        if (joinedEnd <= now) await this.deps.flushes.schedule(recipientId, joinedEnd, 0);
        return 'joined';
      }
      const end = now + this.windowSeconds * 1000;
      let windowEnd: number | undefined;
      if (await this.deps.windows.open(recipientId, pushId, now, end)) windowEnd = end;
      else {
        // Opened by this very event before (a retry after a crash), or by another event just now.
        const window = await this.deps.windows.get(recipientId);
        if (window?.openedBy === pushId) windowEnd = window.windowEnd;
      }
      if (windowEnd === undefined) continue;
      await this.deps.flushes.schedule(recipientId, windowEnd, Math.ceil((windowEnd - now) / 1000));
      return this.send(recipientId, pushId, [event]);
    }
    throw new Error(`Could not join or open the push window of ${recipientId} (${WINDOW_ATTEMPTS} attempts)`);
  }

  /** The end of the window ending `windowEnd`: the summary of what waited in it, if anything. */
  async flush(recipientId: string, windowEnd: number): Promise<PushOutcome> {
    const now = this.now();
    if (now < windowEnd) {
      await this.deps.flushes.schedule(recipientId, windowEnd, Math.ceil((windowEnd - now) / 1000));
      return 'not-due';
    }
    const pushId = `flush#${windowEnd}`;
    const nextEnd = now + this.windowSeconds * 1000;
    let keys = await this.deps.windows.startFlush(recipientId, windowEnd, nextEnd);
    if (keys) await this.deps.flushes.schedule(recipientId, nextEnd, this.windowSeconds);
    else if (await this.deps.windows.closeIdle(recipientId, windowEnd)) return 'not-due';
    else {
      // Either this flush ran before and stopped before sending (resume it), or the window moved on.
      const window = await this.deps.windows.get(recipientId);
      if (window?.openedBy !== pushId) {
        if (window?.windowEnd === windowEnd && window.pending.length) return this.flush(recipientId, windowEnd);
        return 'not-due';
      }
      keys = window.flushing;
    }
    const events = keys.map(eventOfKey).filter((e): e is PushEvent => e !== undefined);
    return this.send(recipientId, pushId, events);
  }

  /** Sends what is still worth telling of `events` as push `pushId`, once. */
  private async send(recipientId: string, pushId: string, events: readonly PushEvent[]): Promise<PushOutcome> {
    const tell = await this.stillToTell(recipientId, events);
    if (!tell.length) {
      await this.deps.windows.closeOpenedBy(recipientId, pushId);
      return 'empty';
    }
    if (!(await this.deps.windows.claimPush(recipientId, pushId))) return 'claimed-before';
    const [devices, names, badge] = await Promise.all([
      this.deps.devices.listFor(recipientId),
      this.deps.audience.displayNames(tell.map((e) => e.actorId)),
      this.deps.badge(recipientId),
    ]);
    if (!devices.length) return 'sent';
    const message = platformMessage(summarize(tell, names, badge));
    await Promise.all(
      devices.map(async (device) => {
        if ((await this.deps.sender.publish(device.endpointArn, message)) === 'sent') return;
        // The platform reports the app gone from that device: forget it and its endpoint.
        logger.info('Push endpoint disabled: device removed', { deviceId: device.deviceId });
        await this.deps.devices.remove(recipientId, device.deviceId);
        await this.deps.sender.remove(device.endpointArn);
      }),
    );
    return 'sent';
  }

  /**
   * The events the recipient wants pushed and may still see now: their type switched on, nothing
   * of a user either blocks, a picture still visible to them (the `canView` rule), a request still
   * pending and an acceptance still a friendship.
   */
  private async stillToTell(recipientId: string, events: readonly PushEvent[]): Promise<PushEvent[]> {
    const preferences = await this.deps.audience.preferences(recipientId);
    const candidates = events.filter((e) => wanted(e.type, preferences));
    if (!candidates.length) return [];
    const contentIds = candidates.flatMap((e) => (e.contentId ? [e.contentId] : []));
    const [visible, relationships] = await Promise.all([
      contentIds.length ? this.deps.checks.many(recipientId, contentIds) : Promise.resolve([]),
      this.deps.friendships.relationships(recipientId, [...new Set(candidates.map((e) => e.actorId))]),
    ]);
    const visibleIds = new Set(visible.map((v) => v.item.contentId));
    return candidates.filter((e) => {
      const relationship = relationships.get(e.actorId);
      if (e.type === 'new-content') return visibleIds.has(e.contentId!) && relationship !== 'blocked';
      if (e.type === 'friend-request') return relationship === 'pending';
      return relationship === 'friend';
    });
  }
}
