import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { FriendshipEdge } from '#shared/friends/model';

/** A Friendships stream image (DynamoDB JSON) as the domain's edge; the edge is stored as it is. */
export function edgeFromImage(image: unknown): FriendshipEdge | undefined {
  return image ? (unmarshall(image as Record<string, AttributeValue>) as FriendshipEdge) : undefined;
}
