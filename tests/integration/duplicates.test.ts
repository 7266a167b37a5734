// S3 and SNS deliver at least once: the same upload event arriving several times, at once or
// after the item is READY, changes nothing and loses nothing.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import sharp from 'sharp';
import { api, postToS3, signUp, waitForAsyncIdle, waitForProcessed } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';
import { clients, listKeys, s3EventMessage } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const sns = new SNSClient({ endpoint: endpoints.sns, region: endpoints.region, credentials: endpoints.credentials });

const s3Event = (key: string, size: number) => s3EventMessage(endpoints, key, size);

it('processes an upload delivered four times at once into one READY item with its thumbnail', async () => {
  const user = await signUp(endpoints);
  const jpeg = await makeJpeg(1200, 900, { make: 'Fuji', model: 'X-T5' });
  const created = await api(endpoints, 'POST', '/content', {
    token: user.accessToken,
    body: { contentType: 'image/jpeg', size: jpeg.length },
  });
  const key = created.body.upload.fields.key as string;
  await postToS3(created.body, jpeg, 'image/jpeg');
  // Three more deliveries of the same event, racing the one S3 sent.
  await Promise.all(
    [1, 2, 3].map(() =>
      sns.send(new PublishCommand({ TopicArn: endpoints.topics.UploadsTopic, Message: s3Event(key, jpeg.length) })),
    ),
  );

  const { body: item } = await waitForProcessed(endpoints, user.accessToken, created.body.contentId);
  expect(item).toMatchObject({ status: 'READY', metadata: { make: 'Fuji', model: 'X-T5', width: 1200, height: 900 } });

  // Replays after READY: still READY, the thumbnail still there.
  await Promise.all(
    [1, 2].map(() =>
      sns.send(new PublishCommand({ TopicArn: endpoints.topics.UploadsTopic, Message: s3Event(key, jpeg.length) })),
    ),
  );
  await waitForAsyncIdle(endpoints);
  const { s3 } = clients(endpoints);
  const after = await api(endpoints, 'GET', `/content/${created.body.contentId}`, { token: user.accessToken });
  expect(after.body.status).toBe('READY');
  expect(await listKeys(s3, endpoints.bucket, `derived/${created.body.contentId}/`)).toEqual([
    `derived/${created.body.contentId}/display.webp`,
    `derived/${created.body.contentId}/thumbnail.webp`,
  ]);
  const thumb = await fetch(after.body.urls.thumbnail.url);
  expect(thumb.status).toBe(200);
  expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).format).toBe('webp');
});
