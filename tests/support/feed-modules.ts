// The feed's shared modules with a document client of the local stack's DynamoDB Local, for the
// tests that drive the builder, trimmer and reader themselves, on tables of their own.
import * as contentAccess from '../../shared/adapters/content-access';
import * as contentRepository from '../../shared/adapters/content-repository';
import * as feedRepository from '../../shared/adapters/feed-repository';
import * as feedStreams from '../../shared/adapters/feed-streams';
import * as friendshipRepository from '../../shared/adapters/friendship-repository';
import * as content from '../../shared/domain/content';
import * as builder from '../../shared/feed/builder';
import * as reader from '../../shared/feed/reader';
import * as rebuild from '../../shared/feed/rebuild';
import * as trimmer from '../../shared/feed/trimmer';
import { logger } from '../../shared/observability';
import { localDocumentClient, type Endpoints } from '../../scripts/lib/client';

export function feedModules(endpoints: Endpoints) {
  logger.setLogLevel('ERROR');
  return {
    ...contentRepository,
    ...friendshipRepository,
    ...feedRepository,
    ...feedStreams,
    ...contentAccess,
    ...builder,
    ...trimmer,
    ...reader,
    ...rebuild,
    ...content,
    db: localDocumentClient(endpoints),
  };
}

export type FeedModules = ReturnType<typeof feedModules>;
