import type { FriendshipEdge } from '#shared/friends/model';
import type { FriendshipLine } from '#shared/imports/line-format';
import { pairKey, planFriendship, planUser, sameEdge, userPatch } from '#shared/imports/plan';

const T0 = '2024-01-01T00:00:00.000Z';
const NOW = '2024-06-01T12:00:00.000Z';
const AVATAR = '3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b';

describe('user lines', () => {
  it('takes what a user line says, and nothing it leaves out', () => {
    expect(
      userPatch({ type: 'user', userId: 'a', displayName: 'Ann', notificationPreferences: { newContent: false } }),
    ).toEqual({
      displayName: 'Ann',
      notificationPreferences: { newContent: false },
    });
  });

  it('creates a new user with default preferences', () => {
    expect(planUser('a', { displayName: 'Ann' }, undefined, NOW)).toEqual({
      userId: 'a',
      displayName: 'Ann',
      notificationPreferences: { newContent: true, friendRequests: true, friendAccepts: true },
      createdAt: NOW,
      updatedAt: NOW,
    });
  });

  const stored = {
    userId: 'a',
    displayName: 'Ann',
    avatarContentId: AVATAR,
    notificationPreferences: { newContent: false, friendRequests: true, friendAccepts: true },
    createdAt: T0,
    updatedAt: T0,
  };

  it('writes nothing when the stored user already says the same (bookkeeping aside)', () => {
    expect(planUser('a', { displayName: 'Ann' }, stored, NOW)).toBeUndefined();
    expect(
      planUser(
        'a',
        { displayName: 'Ann', avatarContentId: AVATAR, notificationPreferences: { newContent: false } },
        stored,
        NOW,
      ),
    ).toBeUndefined();
    expect(
      planUser('a', { displayName: 'Ann' }, { ...stored, updatedAt: '2030-01-01T00:00:00.000Z' }, NOW),
    ).toBeUndefined();
  });

  it('updates what differs, keeps what the line leaves out, keeps createdAt and bumps updatedAt', () => {
    expect(
      planUser('a', { displayName: 'Annie', notificationPreferences: { friendRequests: false } }, stored, NOW),
    ).toEqual({
      ...stored,
      displayName: 'Annie',
      notificationPreferences: { newContent: false, friendRequests: false, friendAccepts: true },
      updatedAt: NOW,
    });
  });

  it('keeps attributes it does not manage, and repairs incomplete stored preferences', () => {
    const odd = {
      userId: 'a',
      displayName: 'Ann',
      notificationPreferences: { newContent: false },
      createdAt: T0,
      updatedAt: T0,
      locale: 'fr',
    };
    expect(planUser('a', { displayName: 'Ann' }, odd, NOW)).toEqual({
      ...odd,
      notificationPreferences: { newContent: false, friendRequests: true, friendAccepts: true },
      updatedAt: NOW,
    });
  });

  it('takes friendAccepts from a line, and keeps a stored false when the line leaves it out', () => {
    const off = planUser('a', { displayName: 'Ann', notificationPreferences: { friendAccepts: false } }, stored, NOW);
    expect(off).toEqual({
      ...stored,
      notificationPreferences: { newContent: false, friendRequests: true, friendAccepts: false },
      updatedAt: NOW,
    });
    expect(planUser('a', { displayName: 'Ann' }, off, NOW)).toBeUndefined();
  });

  it('rewrites preferences stored before friendAccepts existed once, with its default, then counts them unchanged', () => {
    const twoKeys = { ...stored, notificationPreferences: { newContent: false, friendRequests: true } };
    const rewritten = planUser('a', { displayName: 'Ann' }, twoKeys, NOW);
    expect(rewritten).toEqual({
      ...stored,
      notificationPreferences: { newContent: false, friendRequests: true, friendAccepts: true },
      updatedAt: NOW,
    });
    expect(planUser('a', { displayName: 'Ann' }, rewritten, '2024-07-01T00:00:00.000Z')).toBeUndefined();
  });

  it('rewrites preferences with a key beyond the three', () => {
    const extra = { ...stored, notificationPreferences: { ...stored.notificationPreferences, email: true } };
    expect(planUser('a', { displayName: 'Ann' }, extra, NOW)).toEqual({ ...stored, updatedAt: NOW });
  });
});

function edge(userId: string, friendId: string, fields: Partial<FriendshipEdge>): FriendshipEdge {
  return {
    userId,
    friendId,
    state: 'accepted',
    blocking: false,
    blockedBy: false,
    updatedAt: T0,
    version: 3,
    ...fields,
  };
}

const accepted: FriendshipLine = { type: 'friendship', userId: 'a', friendId: 'b', status: 'accepted' };
const requested: FriendshipLine = { type: 'friendship', userId: 'a', friendId: 'b', status: 'requested' };

describe('friendship lines', () => {
  it('creates both accepted edges with one since, in exactly the FriendshipEdge shape', () => {
    expect(planFriendship(accepted, undefined, undefined, NOW)).toEqual({
      outcome: 'write',
      edges: [
        {
          userId: 'a',
          friendId: 'b',
          state: 'accepted',
          blocking: false,
          blockedBy: false,
          since: NOW,
          updatedAt: NOW,
          version: 1,
        },
        {
          userId: 'b',
          friendId: 'a',
          state: 'accepted',
          blocking: false,
          blockedBy: false,
          since: NOW,
          updatedAt: NOW,
          version: 1,
        },
      ],
    });
  });

  it('creates a request: the asker outgoing, the other incoming', () => {
    expect(planFriendship(requested, undefined, undefined, NOW)).toEqual({
      outcome: 'write',
      edges: [
        {
          userId: 'a',
          friendId: 'b',
          state: 'outgoing',
          blocking: false,
          blockedBy: false,
          requestedAt: NOW,
          updatedAt: NOW,
          version: 1,
        },
        {
          userId: 'b',
          friendId: 'a',
          state: 'incoming',
          blocking: false,
          blockedBy: false,
          requestedAt: NOW,
          updatedAt: NOW,
          version: 1,
        },
      ],
    });
  });

  it('writes nothing when the pair already is what the line says', () => {
    expect(planFriendship(accepted, edge('a', 'b', { since: T0 }), edge('b', 'a', { since: T0 }), NOW)).toEqual({
      outcome: 'unchanged',
    });
    expect(
      planFriendship(
        requested,
        edge('a', 'b', { state: 'outgoing', requestedAt: T0 }),
        edge('b', 'a', { state: 'incoming', requestedAt: T0 }),
        NOW,
      ),
    ).toEqual({ outcome: 'unchanged' });
  });

  it('writes only the edge that differs, keeping since and bumping its version', () => {
    const plan = planFriendship(
      accepted,
      edge('a', 'b', { since: T0 }),
      edge('b', 'a', { state: 'incoming', requestedAt: T0, version: 7 }),
      NOW,
    );
    expect(plan).toEqual({
      outcome: 'write',
      edges: [
        {
          userId: 'b',
          friendId: 'a',
          state: 'accepted',
          blocking: false,
          blockedBy: false,
          since: T0,
          updatedAt: NOW,
          version: 8,
        },
      ],
    });
  });

  it('turns a request the other way round into this one', () => {
    const plan = planFriendship(
      requested,
      edge('a', 'b', { state: 'incoming', requestedAt: T0 }),
      edge('b', 'a', { state: 'outgoing', requestedAt: T0 }),
      NOW,
    );
    expect(plan.outcome === 'write' && plan.edges.map((e) => [e.userId, e.state, e.requestedAt, e.version])).toEqual([
      ['a', 'outgoing', NOW, 4],
      ['b', 'incoming', NOW, 4],
    ]);
  });

  it('never touches a pair with a block on either edge', () => {
    expect(
      planFriendship(
        accepted,
        edge('a', 'b', { state: 'none', blocking: true }),
        edge('b', 'a', { state: 'none', blockedBy: true }),
        NOW,
      ),
    ).toEqual({ outcome: 'blocked' });
    expect(planFriendship(requested, undefined, edge('b', 'a', { state: 'none', blocking: true }), NOW)).toEqual({
      outcome: 'blocked',
    });
    expect(planFriendship(requested, edge('a', 'b', { state: 'none', blockedBy: true }), undefined, NOW)).toEqual({
      outcome: 'blocked',
    });
  });

  it('rewrites a stored edge that has attributes beyond the FriendshipEdge shape', () => {
    const extra = { ...edge('a', 'b', { since: T0 }), note: 'x' } as FriendshipEdge;
    expect(
      sameEdge(extra, { userId: 'a', friendId: 'b', state: 'accepted', blocking: false, blockedBy: false, since: T0 }),
    ).toBe(false);
    const plan = planFriendship(accepted, extra, edge('b', 'a', { since: T0 }), NOW);
    expect(plan).toEqual({
      outcome: 'write',
      edges: [
        {
          userId: 'a',
          friendId: 'b',
          state: 'accepted',
          blocking: false,
          blockedBy: false,
          since: T0,
          updatedAt: NOW,
          version: 4,
        },
      ],
    });
  });

  it('keys a pair the same whichever way round a line names it', () => {
    expect(pairKey('a', 'b')).toBe(pairKey('b', 'a'));
    expect(pairKey('a', 'bc')).not.toBe(pairKey('ab', 'c'));
  });
});
