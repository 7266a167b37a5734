// EXIF Orientation through the stack: for each orientation the item reports the upright size (from
// the decoder, and from the metadata function's header read) and serves upright derivatives. The
// picture is four coloured quarters stored so that orientation N shows red at the top left.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { api, postToS3, signUp, waitForProcessed, type Session } from '../../scripts/lib/client';
import { clients } from '../support/aws';
import { corners, quadrantJpeg, UPRIGHT } from '../support/heif-fixtures';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
let owner: Session;

beforeAll(async () => {
  owner = await signUp(endpoints);
});

async function upload(data: Buffer): Promise<string> {
  const created = await api(endpoints, 'POST', '/content', {
    token: owner.accessToken,
    body: { contentType: 'image/jpeg', size: data.length, visibility: 'private' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await postToS3(created.body, data, 'image/jpeg');
  return created.body.contentId as string;
}

async function fetchImage(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('EXIF orientation through the stack', () => {
  it('reports the upright size and serves upright derivatives for orientations 1-8', async () => {
    const orientations = [1, 2, 3, 4, 5, 6, 7, 8];
    const ids = await Promise.all(orientations.map(async (n) => upload(await quadrantJpeg(n, 600, 400))));
    const items = await Promise.all(
      ids.map(async (id) => (await waitForProcessed(endpoints, owner.accessToken, id)).body),
    );
    const { dynamo } = clients(endpoints);

    for (const [i, item] of items.entries()) {
      const label = `orientation ${orientations[i]}`;
      expect(item.status, label).toBe('READY');
      expect(item.metadata, label).toMatchObject({ width: 600, height: 400 });
      // The metadata function's own reading of the header agrees (the view shows the decoder's).
      const stored = (
        await dynamo.send(
          new GetCommand({
            TableName: endpoints.tables.ContentTable,
            Key: { contentId: ids[i] },
            ConsistentRead: true,
          }),
        )
      ).Item!;
      expect(stored.exif, label).toMatchObject({ width: 600, height: 400 });

      expect(item.urls.thumbnail, label).toMatchObject({ width: 320, height: 320, contentType: 'image/webp' });
      expect(await corners(await fetchImage(item.urls.thumbnail.url)), label).toEqual(UPRIGHT);
      expect(item.urls.display, label).toMatchObject({ width: 600, height: 400, contentType: 'image/webp' });
      expect(await corners(await fetchImage(item.urls.display.url)), label).toEqual(UPRIGHT);
    }
  });
});
