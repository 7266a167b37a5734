// The access matrix: viewer {owner, mutual friend, pending request, stranger, blocked, no token}
// x visibility {public, friends, private} x operation {get, bulk get, gallery, patch, delete,
// derivative URL}. Every cell must answer what the one visibility rule says, and no response a
// viewer may not see leaks the item (its id, caption or file URLs).
import { api, type Session } from '../../scripts/lib/client';
import { befriend, block, readyContent, request, signUp } from '../support/social';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
type Viewer = 'owner' | 'friend' | 'pending' | 'stranger' | 'blocked' | 'anonymous';
type Visibility = 'public' | 'friends' | 'private';
const VIEWERS: Viewer[] = ['owner', 'friend', 'pending', 'stranger', 'blocked', 'anonymous'];
const VISIBILITIES: Visibility[] = ['public', 'friends', 'private'];

// The rule, written out as a table, independently of the code under test.
const MAY_VIEW: Record<Viewer, Record<Visibility, boolean>> = {
  owner: { public: true, friends: true, private: true },
  friend: { public: true, friends: true, private: false },
  pending: { public: true, friends: false, private: false },
  stranger: { public: true, friends: false, private: false },
  blocked: { public: false, friends: false, private: false },
  anonymous: { public: false, friends: false, private: false },
};

const sessions = {} as Record<Exclude<Viewer, 'anonymous'>, Session>;
const items = {} as Record<Visibility, string>;
const caption = (v: Visibility) => `secret caption of the ${v} picture`;

const token = (viewer: Viewer) => (viewer === 'anonymous' ? undefined : sessions[viewer].accessToken);

function expectNoLeak(body: unknown, contentId: string, v: Visibility) {
  const text = JSON.stringify(body ?? '');
  expect(text).not.toContain(contentId);
  expect(text).not.toContain(caption(v));
}

beforeAll(async () => {
  const [owner, friend, pending, stranger, blocked] = await Promise.all([1, 2, 3, 4, 5].map(() => signUp(endpoints)));
  Object.assign(sessions, {
    owner: owner!,
    friend: friend!,
    pending: pending!,
    stranger: stranger!,
    blocked: blocked!,
  });
  await befriend(endpoints, sessions.owner, sessions.friend);
  await request(endpoints, sessions.pending, sessions.owner);
  await block(endpoints, sessions.owner, sessions.blocked);
  for (const v of VISIBILITIES)
    items[v] = await readyContent(endpoints, sessions.owner, { visibility: v, caption: caption(v) });
});

describe.each(VISIBILITIES)('a %s picture', (v) => {
  it.each(VIEWERS)('GET /content/{id} as %s', async (viewer) => {
    const res = await api(endpoints, 'GET', `/content/${items[v]}`, { token: token(viewer) });
    if (viewer === 'anonymous') return expect(res.status).toBe(401);
    if (!MAY_VIEW[viewer][v]) {
      expect(res.status).toBe(404);
      return expectNoLeak(res.body, items[v], v);
    }
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ contentId: items[v], caption: caption(v), visibility: v });
    // Derivative URL: every viewer who may see the picture gets a working thumbnail URL;
    // only the owner gets the original and the EXIF GPS.
    const thumb = await fetch(res.body.urls.thumbnail.url);
    expect(thumb.status).toBe(200);
    expect(Boolean(res.body.urls.original)).toBe(viewer === 'owner');
    expect(Boolean(res.body.metadata?.gps)).toBe(viewer === 'owner');
  });

  it.each(VIEWERS)('GET /content?ids= as %s', async (viewer) => {
    const res = await api(endpoints, 'GET', `/content?ids=${items[v]},${crypto.randomUUID()}`, {
      token: token(viewer),
    });
    if (viewer === 'anonymous') return expect(res.status).toBe(401);
    expect(res.status).toBe(200);
    const ids = res.body.items.map((i: { contentId: string }) => i.contentId);
    if (MAY_VIEW[viewer][v]) {
      expect(ids).toEqual([items[v]]);
      expect(res.body.items[0].urls.thumbnail.url).toContain(`derived/${items[v]}/`);
      expect(Boolean(res.body.items[0].urls.original)).toBe(viewer === 'owner');
    } else {
      expect(ids).toEqual([]);
      expectNoLeak(res.body, items[v], v);
    }
  });

  it.each(VIEWERS)('GET /users/{owner}/content as %s', async (viewer) => {
    const res = await api(endpoints, 'GET', `/users/${sessions.owner.userId}/content?limit=100`, {
      token: token(viewer),
    });
    if (viewer === 'anonymous') return expect(res.status).toBe(401);
    expect(res.status).toBe(200);
    const ids = res.body.items.map((i: { contentId: string }) => i.contentId);
    if (MAY_VIEW[viewer][v]) expect(ids).toContain(items[v]);
    else {
      expect(ids).not.toContain(items[v]);
      expectNoLeak(res.body, items[v], v);
    }
  });

  it.each(VIEWERS)('PATCH /content/{id} as %s', async (viewer) => {
    const current = await api(endpoints, 'GET', `/content/${items[v]}`, { token: sessions.owner.accessToken });
    const res = await api(endpoints, 'PATCH', `/content/${items[v]}`, {
      token: token(viewer),
      headers: { 'if-match': current.headers.get('etag')! },
      body: { caption: caption(v) },
    });
    if (viewer === 'anonymous') return expect(res.status).toBe(401);
    if (viewer === 'owner') {
      expect(res.status).toBe(200);
      return expect(res.body.version).toBe(current.body.version + 1);
    }
    // Someone who may see the picture learns they cannot change it; anyone else that it does not exist.
    expect(res.status).toBe(MAY_VIEW[viewer][v] ? 403 : 404);
    if (!MAY_VIEW[viewer][v]) expectNoLeak(res.body, items[v], v);
  });

  it.each(VIEWERS.filter((x) => x !== 'owner'))('DELETE /content/{id} as %s is refused', async (viewer) => {
    const res = await api(endpoints, 'DELETE', `/content/${items[v]}`, { token: token(viewer) });
    if (viewer === 'anonymous') return expect(res.status).toBe(401);
    expect(res.status).toBe(MAY_VIEW[viewer][v] ? 403 : 404);
    const still = await api(endpoints, 'GET', `/content/${items[v]}`, { token: sessions.owner.accessToken });
    expect(still.status).toBe(200);
  });
});

describe('the owner deletes', () => {
  it.each(VISIBILITIES)('a %s picture: it is gone for everyone on the next request', async (v) => {
    const res = await api(endpoints, 'DELETE', `/content/${items[v]}`, { token: sessions.owner.accessToken });
    expect(res.status).toBe(204);
    for (const viewer of VIEWERS.filter((x) => x !== 'anonymous')) {
      const get = await api(endpoints, 'GET', `/content/${items[v]}`, { token: token(viewer) });
      expect(get.status, viewer).toBe(404);
      const gallery = await api(endpoints, 'GET', `/users/${sessions.owner.userId}/content?limit=100`, {
        token: token(viewer),
      });
      expect(JSON.stringify(gallery.body), viewer).not.toContain(items[v]);
    }
    const again = await api(endpoints, 'DELETE', `/content/${items[v]}`, { token: sessions.owner.accessToken });
    expect(again.status).toBe(404);
  });
});
