import { streamHandler } from '#shared/lambda/stream';
import { notifier } from '#shared/notifications/deps';
import { notifierRecordHandler } from '#shared/notifications/dynamo-streams';

// Content and Friendships streams -> inbox entries and pushes (shared/notifications/notifier.ts).
// Entry keys are deterministic, pictures a set and every push claimed once, so a redelivered or
// replayed record changes nothing.
export const handler = streamHandler(notifierRecordHandler(notifier()));
