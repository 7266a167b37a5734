import { trimPlan } from '#shared/feed/model';
import type { FeedTrimStore } from '#shared/feed/ports';
import { count, logger } from '#shared/core/observability';

/** Entries at or below the floor deleted per trim (left behind by writes of old items after a trim). */
const STRAGGLERS_PER_TRIM = 100;

/**
 * Keeps each user partition at its cap, off the fan-out path: it runs from the Feed table's own
 * stream (services/feed/feed-trimmer.ts), so writing a friend's entries costs writes only, and the
 * deletes that every entry eventually brings happen alongside, batched per partition.
 *
 * A trim keeps the newest `cap` entries above the floor, raises the floor to the newest one it
 * drops *before* deleting anything (a reader never sees a gap: above the floor the partition is
 * complete, at or below it the feed is computed on read), then deletes the rest.
 */
export class FeedTrimmer {
  constructor(
    private readonly feed: FeedTrimStore,
    private readonly cap: number,
  ) {}

  async trim(userId: string): Promise<{ dropped: number; floor?: string }> {
    const floor = await this.feed.floor(userId);
    const keys = await this.feed.sortKeys(userId, { above: floor });
    const plan = trimPlan(keys, this.cap);
    if (plan) await this.feed.raiseFloor(userId, plan.floor);
    const newFloor = plan?.floor ?? floor;
    const stragglers =
      newFloor === undefined
        ? []
        : await this.feed.sortKeys(userId, { atOrBelow: newFloor, limit: STRAGGLERS_PER_TRIM });
    const drop = [...new Set([...(plan?.drop ?? []), ...stragglers])];
    if (drop.length) await this.feed.deleteKeys(userId, drop);
    return { dropped: drop.length, ...(newFloor !== undefined ? { floor: newFloor } : {}) };
  }

  /**
   * For one batch of work: trims each partition once however often it is asked, and a failed trim
   * fails every caller that asked for that partition.
   */
  forBatch(): (userId: string) => Promise<void> {
    const trims = new Map<string, Promise<void>>();
    return (userId) => {
      let trim = trims.get(userId);
      if (!trim) {
        trim = this.trim(userId).then(({ dropped }) => {
          if (!dropped) return;
          count('FeedEntriesTrimmed', dropped);
          logger.info('Feed partition trimmed', { dropped });
        });
        trims.set(userId, trim);
      }
      return trim;
    };
  }
}
