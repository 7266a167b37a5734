// Exact duplicates: the same bytes uploaded again by the same owner point at the existing item
// (one copy of the original, no new derivatives); another owner's copy, or a re-upload after the
// first is deleted, is a new original.
import { api, postToS3, signUp, waitForAsyncIdle, waitForProcessed, type Session } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';
import { clients, eventually, listKeys } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();

async function upload(session: Session, data: Buffer) {
  const created = await api(endpoints, 'POST', '/content', {
    token: session.accessToken,
    body: { contentType: 'image/jpeg', size: data.length, visibility: 'public' },
  });
  await postToS3(created.body, data, 'image/jpeg');
  return (await waitForProcessed(endpoints, session.accessToken, created.body.contentId)).body;
}

it('points a second upload of the same bytes at the first, per owner, until the first is deleted', async () => {
  const [ann, bob] = await Promise.all([signUp(endpoints), signUp(endpoints)]);
  const photo = await makeJpeg(640, 480, { make: 'Same', model: 'Bytes' });
  const { s3 } = clients(endpoints);

  const first = await upload(ann, photo);
  expect(first.status).toBe('READY');
  const second = await upload(ann, photo);
  expect(second).toMatchObject({ status: 'DUPLICATE', duplicateOf: first.contentId, urls: {} });
  // The status is written before the duplicate's original is deleted: wait for the upload's
  // functions to end, then there must be no second copy.
  await waitForAsyncIdle(endpoints);
  expect(await listKeys(s3, endpoints.bucket, `uploads/${ann.userId}/${second.contentId}`)).toEqual([]);
  expect(await listKeys(s3, endpoints.bucket, `derived/${second.contentId}/`)).toEqual([]);
  const gallery = await api(endpoints, 'GET', `/users/${ann.userId}/content`, { token: ann.accessToken });
  expect(gallery.body.items.map((i: { contentId: string }) => i.contentId)).toEqual([first.contentId]);
  // Others never see a duplicate.
  expect((await api(endpoints, 'GET', `/content/${second.contentId}`, { token: bob.accessToken })).status).toBe(404);

  // Another owner's copy of the same bytes is their own original.
  expect((await upload(bob, photo)).status).toBe('READY');

  // Once the first is deleted (and its files gone), the same bytes make a new original.
  expect((await api(endpoints, 'DELETE', `/content/${first.contentId}`, { token: ann.accessToken })).status).toBe(204);
  await eventually('the first item to be purged', async () =>
    (await listKeys(s3, endpoints.bucket, `derived/${first.contentId}/`)).length === 0 ? true : undefined,
  );
  const third = await upload(ann, photo);
  expect(third.status).toBe('READY');
});

it('keeps exactly one original when the same bytes are uploaded twice at once', async () => {
  const ann = await signUp(endpoints);
  const photo = await makeJpeg(320, 240, { make: 'Race' });
  const [a, b] = await Promise.all([upload(ann, photo), upload(ann, photo)]);
  const statuses = [a.status, b.status].sort();
  expect(statuses).toEqual(['DUPLICATE', 'READY']);
  const [ready, duplicate] = a.status === 'READY' ? [a, b] : [b, a];
  expect(duplicate.duplicateOf).toBe(ready.contentId);
});
