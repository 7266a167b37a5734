// The feed's shared modules with a document client of the local stack's DynamoDB Local, for the
// tests that drive the builder, trimmer and reader themselves, on tables of their own.
import * as contentAccess from '../../shared/content/access';
import * as contentRepository from '../../shared/content/dynamo-store';
import * as feedRepository from '../../shared/feed/dynamo-store';
import * as feedStreams from '../../shared/feed/dynamo-streams';
import * as friendshipRepository from '../../shared/friends/dynamo-store';
import * as content from '../../shared/content/model';
import * as builder from '../../shared/feed/builder';
import * as reader from '../../shared/feed/reader';
import * as rebuild from '../../shared/feed/rebuild';
import * as trimmer from '../../shared/feed/trimmer';
import { logger } from '../../shared/core/observability';
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
