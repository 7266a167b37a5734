import fc from 'fast-check';
import { relationshipOf } from '#shared/friends/dynamo-store';
import {
  friendLists,
  friendRequestView,
  listedUserIds,
  SelfRelationshipError,
  standingOf,
  transition,
  UserUnavailableError,
  type EdgePair,
  type FriendshipAction,
  type FriendshipEdge,
  type Standing,
} from '#shared/friends/model';

const A = 'user-a';
const B = 'user-b';
const EARLIER = '2024-05-01T10:00:00.000Z';
const NOW = new Date('2024-06-01T12:00:00.000Z');
const ACTIONS: FriendshipAction[] = ['request', 'remove', 'block', 'unblock'];

/** Every state a pair can be in, as A sees it. `leftover` = both edges stored with nothing in them. */
type Named = 'absent' | 'leftover' | 'outgoing' | 'incoming' | 'accepted' | 'aBlocks' | 'bBlocks' | 'bothBlock';
const STATES: Named[] = ['absent', 'leftover', 'outgoing', 'incoming', 'accepted', 'aBlocks', 'bBlocks', 'bothBlock'];

function stored(userId: string, friendId: string, fields: Partial<FriendshipEdge>): FriendshipEdge {
  return {
    userId,
    friendId,
    state: 'none',
    blocking: false,
    blockedBy: false,
    updatedAt: EARLIER,
    version: 3,
    ...fields,
  };
}

function pairIn(name: Named): EdgePair {
  const both = (ab: Partial<FriendshipEdge>, ba: Partial<FriendshipEdge>): EdgePair => [
    stored(A, B, ab),
    stored(B, A, ba),
  ];
  switch (name) {
    case 'absent':
      return [undefined, undefined];
    case 'leftover':
      return both({}, {});
    case 'outgoing':
      return both({ state: 'outgoing', requestedAt: EARLIER }, { state: 'incoming', requestedAt: EARLIER });
    case 'incoming':
      return both({ state: 'incoming', requestedAt: EARLIER }, { state: 'outgoing', requestedAt: EARLIER });
    case 'accepted':
      return both({ state: 'accepted', since: EARLIER }, { state: 'accepted', since: EARLIER });
    case 'aBlocks':
      return both({ blocking: true }, { blockedBy: true });
    case 'bBlocks':
      return both({ blockedBy: true }, { blocking: true });
    case 'bothBlock':
      return both({ blocking: true, blockedBy: true }, { blocking: true, blockedBy: true });
  }
}

/** What each state should look like after an action: a state name (with `since`/`requestedAt` = now when new). */
type Outcome =
  | { after: Named; changed: boolean; fresh?: boolean }
  | { error: typeof SelfRelationshipError | typeof UserUnavailableError };
const same = (after: Named): Outcome => ({ after, changed: false });
const to = (after: Named, fresh = false): Outcome => ({ after, changed: true, fresh });
const refused: Outcome = { error: UserUnavailableError };

const RULES: Record<Named, Record<FriendshipAction, Outcome>> = {
  absent: { request: to('outgoing', true), remove: same('absent'), block: to('aBlocks'), unblock: same('absent') },
  leftover: { request: to('outgoing', true), remove: to('absent'), block: to('aBlocks'), unblock: to('absent') },
  outgoing: { request: same('outgoing'), remove: to('absent'), block: to('aBlocks'), unblock: same('outgoing') },
  incoming: { request: to('accepted', true), remove: to('absent'), block: to('aBlocks'), unblock: same('incoming') },
  accepted: { request: same('accepted'), remove: to('absent'), block: to('aBlocks'), unblock: same('accepted') },
  aBlocks: { request: refused, remove: same('aBlocks'), block: same('aBlocks'), unblock: to('absent') },
  bBlocks: { request: refused, remove: same('bBlocks'), block: to('bothBlock'), unblock: same('bBlocks') },
  bothBlock: { request: refused, remove: same('bothBlock'), block: same('bothBlock'), unblock: to('bBlocks') },
};

/** The meaning of an edge, without bookkeeping. */
const meaning = (e: FriendshipEdge | undefined) =>
  e && {
    userId: e.userId,
    friendId: e.friendId,
    state: e.state,
    blocking: e.blocking,
    blockedBy: e.blockedBy,
    since: e.since,
    requestedAt: e.requestedAt,
  };

/** Both edges mirror each other and no edge is kept with nothing in it. */
function expectConsistent([ab, ba]: EdgePair) {
  expect(Boolean(ab)).toBe(Boolean(ba));
  if (!ab || !ba) return;
  const mirror = { none: 'none', outgoing: 'incoming', incoming: 'outgoing', accepted: 'accepted' } as const;
  expect(ba.state).toBe(mirror[ab.state]);
  expect(ba.blocking).toBe(ab.blockedBy);
  expect(ba.blockedBy).toBe(ab.blocking);
  expect(ab.state !== 'none' || ab.blocking || ab.blockedBy).toBe(true);
  if (ab.blocking || ab.blockedBy) expect(ab.state).toBe('none');
  expect(ab.since).toBe(ba.since);
  expect(ab.requestedAt).toBe(ba.requestedAt);
}

describe('transition: every state x every action', () => {
  for (const state of STATES) {
    for (const action of ACTIONS) {
      const rule = RULES[state][action];
      const label = 'error' in rule ? `refused (${rule.error.name})` : `${rule.changed ? '->' : 'stays'} ${rule.after}`;
      it(`${state} + ${action}: ${label}`, () => {
        const before = pairIn(state);
        const result = transition(action, A, B, before, NOW);
        if ('error' in rule) {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.error).toBeInstanceOf(rule.error);
          return;
        }
        if (!result.ok) throw result.error;
        expect(result.changed).toBe(rule.changed);
        expectConsistent(result.next);

        const expected = pairIn(rule.after);
        const stamp = (e: FriendshipEdge | undefined) => {
          const m = meaning(e);
          if (!m || !rule.fresh) return m;
          return { ...m, since: m.since && NOW.toISOString(), requestedAt: m.requestedAt && NOW.toISOString() };
        };
        expect(result.next.map(meaning)).toEqual(expected.map(stamp));
        expect(result.standing).toEqual(standingOf(result.next));

        if (rule.changed) {
          // Every stored edge is one version above what was read (1 for a new one), stamped now.
          result.next.forEach((edge, i) => {
            if (!edge) return;
            expect(edge.version).toBe((before[i]?.version ?? 0) + 1);
            expect(edge.updatedAt).toBe(NOW.toISOString());
          });
        } else {
          expect(result.next.map(meaning)).toEqual(before.map(meaning));
        }
      });
    }
  }

  it('refuses every action on yourself with a 400', () => {
    for (const action of ACTIONS) {
      const result = transition(action, A, A, [undefined, undefined], NOW);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error).toBeInstanceOf(SelfRelationshipError);
        expect([result.error.kind, result.error.code]).toEqual(['invalid', 'SELF_RELATIONSHIP']);
      }
    }
  });

  it('answers a request across a block in either direction with a 404, as for an unknown user', () => {
    for (const state of ['aBlocks', 'bBlocks', 'bothBlock'] as const) {
      const result = transition('request', A, B, pairIn(state), NOW);
      expect(!result.ok && result.error.kind).toBe('not-found');
      expect(!result.ok && result.error.message).toBe('User not found.');
    }
  });

  it('keeps the time of the first request when it is repeated, and drops it once accepted', () => {
    const repeat = transition('request', A, B, pairIn('outgoing'), NOW);
    expect(repeat.ok && repeat.standing).toEqual({
      state: 'outgoing',
      blocking: false,
      blockedBy: false,
      requestedAt: EARLIER,
    });
    const accept = transition('request', A, B, pairIn('incoming'), NOW);
    expect(accept.ok && accept.next.map((e) => [e?.since, e?.requestedAt])).toEqual([
      [NOW.toISOString(), undefined],
      [NOW.toISOString(), undefined],
    ]);
  });

  it("seen from B, the same rules apply mirrored: B accepting A's request makes both friends", () => {
    const asked = transition('request', A, B, [undefined, undefined], NOW);
    if (!asked.ok) throw asked.error;
    const accepted = transition('request', B, A, [asked.next[1], asked.next[0]], NOW);
    if (!accepted.ok) throw accepted.error;
    expect(accepted.next.map((e) => e?.state)).toEqual(['accepted', 'accepted']);
  });
});

describe('standingOf', () => {
  it('reads a half-written pair as no friendship, and the next action rewrites both edges', () => {
    const halves: EdgePair[] = [
      [stored(A, B, { state: 'outgoing' }), undefined],
      [undefined, stored(B, A, { state: 'accepted' })],
      [stored(A, B, { state: 'accepted' }), stored(B, A, { state: 'outgoing' })],
      [stored(A, B, { state: 'outgoing' }), stored(B, A, { state: 'outgoing' })],
    ];
    for (const pair of halves) {
      expect(standingOf(pair)).toEqual({ state: 'none', blocking: false, blockedBy: false });
      const result = transition('request', A, B, pair, NOW);
      if (!result.ok) throw result.error;
      expect(result.changed).toBe(true);
      expectConsistent(result.next);
      expect(result.next.map((e) => e?.state)).toEqual(['outgoing', 'incoming']);
    }
  });

  it('counts a block written on either edge, and a block means no friendship', () => {
    expect(standingOf([undefined, stored(B, A, { blocking: true })])).toEqual({
      state: 'none',
      blocking: false,
      blockedBy: true,
    });
    expect(
      standingOf([stored(A, B, { blocking: true, state: 'accepted' }), stored(B, A, { state: 'accepted' })]),
    ).toEqual({
      state: 'none',
      blocking: true,
      blockedBy: false,
    });
  });

  it('takes an edge stored without a version as version 0', () => {
    const { version, ...unversioned } = stored(A, B, {});
    const result = transition('block', A, B, [unversioned as FriendshipEdge, undefined], NOW);
    expect(result.ok && result.next.map((e) => e?.version)).toEqual([1, 1]);
  });
});

describe('any sequence of actions by either side', () => {
  it('keeps both edges mirror images of each other, and both sides agree on friendship and blocks', () => {
    const step = fc.record({ actor: fc.constantFrom(A, B), action: fc.constantFrom(...ACTIONS) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        let pair: EdgePair = [undefined, undefined];
        for (const { actor, action } of steps) {
          const view: EdgePair = actor === A ? pair : [pair[1], pair[0]];
          const result = transition(action, actor, actor === A ? B : A, view, NOW);
          if (!result.ok) {
            expect(action).toBe('request');
            const s = standingOf(view);
            expect(s.blocking || s.blockedBy).toBe(true);
            continue;
          }
          pair = actor === A ? result.next : [result.next[1], result.next[0]];
          expectConsistent(pair);
          const mine: Standing = standingOf(pair);
          const theirs: Standing = standingOf([pair[1], pair[0]]);
          expect(theirs.blocking).toBe(mine.blockedBy);
          expect(theirs.blockedBy).toBe(mine.blocking);
          expect(theirs.state).toBe(
            { none: 'none', outgoing: 'incoming', incoming: 'outgoing', accepted: 'accepted' }[mine.state],
          );
        }
      }),
    );
  });
});

describe('relationshipOf', () => {
  const edge = (fields: Partial<FriendshipEdge>) => stored(A, B, fields);
  it.each([
    ['no edge', undefined, 'none'],
    ['an edge with nothing in it', edge({}), 'none'],
    ['an outgoing request', edge({ state: 'outgoing' }), 'pending'],
    ['an incoming request', edge({ state: 'incoming' }), 'pending'],
    ['an accepted friendship', edge({ state: 'accepted' }), 'friend'],
    ['the viewer blocking', edge({ blocking: true }), 'blocked'],
    ['the viewer blocked', edge({ blockedBy: true }), 'blocked'],
    ['a block over an accepted state', edge({ state: 'accepted', blockedBy: true }), 'blocked'],
  ] as const)('reads %s as %s', (_, e, expected) => {
    expect(relationshipOf(A, B, e)).toBe(expected);
  });

  it('is self for the viewer, whatever the edge', () => {
    expect(relationshipOf(A, A, undefined)).toBe('self');
    expect(relationshipOf(A, A, edge({ blocking: true }))).toBe('self');
  });
});

describe('friendLists', () => {
  const edges = [
    stored('me', 'f1', { state: 'accepted', since: EARLIER }),
    stored('me', 'in1', { state: 'incoming', requestedAt: EARLIER }),
    stored('me', 'out1', { state: 'outgoing', requestedAt: EARLIER }),
    stored('me', 'blocked1', { blocking: true }),
    stored('me', 'blocker1', { blockedBy: true }),
    stored('me', 'both1', { blocking: true, blockedBy: true }),
    stored('me', 'empty1', {}),
  ];

  it('sorts edges into friends, incoming, outgoing and the users the caller blocks, never who blocks the caller', () => {
    const names = new Map([
      ['f1', 'Fiona'],
      ['out1', 'Oscar'],
      ['blocked1', 'Bob'],
    ]);
    expect(friendLists(edges, names)).toEqual({
      friends: [{ userId: 'f1', since: EARLIER, displayName: 'Fiona' }],
      incoming: [{ userId: 'in1', requestedAt: EARLIER }],
      outgoing: [{ userId: 'out1', requestedAt: EARLIER, displayName: 'Oscar' }],
      blocked: [{ userId: 'blocked1' }, { userId: 'both1' }],
    });
  });

  it('looks up display names only for the users it lists with one', () => {
    expect(listedUserIds(edges)).toEqual(['f1', 'in1', 'out1']);
  });
});

describe('friendRequestView', () => {
  it('says where the request stands', () => {
    expect(
      friendRequestView(B, { state: 'outgoing', blocking: false, blockedBy: false, requestedAt: EARLIER }),
    ).toEqual({
      userId: B,
      state: 'outgoing',
      requestedAt: EARLIER,
    });
    expect(friendRequestView(B, { state: 'accepted', blocking: false, blockedBy: false, since: EARLIER })).toEqual({
      userId: B,
      state: 'accepted',
      since: EARLIER,
    });
  });
});
