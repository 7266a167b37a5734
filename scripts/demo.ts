// `npm run demo`: the walkthrough against the running local backend (`npm start` in another
// terminal). It uses only what an app would: Cognito calls to the local identity provider, the
// HTTP API, and a real multipart POST to S3.
import path from 'node:path';
import sharp from 'sharp';
import { api, postToS3, readEndpoints, signUp, waitForProcessed } from './lib/client';
import { makeJpeg } from './lib/images';

async function main() {
  const file = path.resolve(__dirname, '..', process.env.LOCAL_DATA_DIR ?? '.local', 'endpoints.json');
  const endpoints = await readEndpoints(file);
  const step = (text: string) => console.log(`- ${text}`);

  const user = await signUp(endpoints);
  step(`signed up ${user.email} (user id ${user.userId}) and logged in`);
  const friend = await signUp(endpoints);
  step(`signed up a friend, ${friend.email}`);
  await expectStatus(
    api(endpoints, 'POST', `/friends/${friend.userId}`, { token: user.accessToken }),
    200,
    'POST /friends',
  );
  await expectStatus(
    api(endpoints, 'POST', `/friends/${user.userId}`, { token: friend.accessToken }),
    200,
    'POST /friends',
  );
  step('asked the friend to be friends; the friend accepted');
  const device = await expectStatus(
    api(endpoints, 'POST', '/devices', {
      token: friend.accessToken,
      body: { platform: 'FCM', token: `demo-device-${friend.userId}`.replace(/[^\w-]/g, '_') },
    }),
    201,
    'POST /devices',
  );
  step(`the friend's phone registered for pushes: SNS endpoint ${device.endpointArn}`);

  const photo = await makeJpeg(4000, 3000, {
    make: 'Canon',
    model: 'EOS R6',
    dateTimeOriginal: '2024:06:01 14:03:22',
    offsetTimeOriginal: '+02:00',
    gps: { latitude: 48.858222, longitude: 2.2945, altitude: 35 },
  });
  step(`made a 12-megapixel JPEG with EXIF and GPS (${(photo.length / 1e6).toFixed(1)} MB)`);

  const created = await api(endpoints, 'POST', '/content', {
    token: user.accessToken,
    body: { caption: 'Eiffel tower at noon', visibility: 'friends', contentType: 'image/jpeg', size: photo.length },
  });
  if (created.status !== 201)
    throw new Error(`POST /content answered ${created.status}: ${JSON.stringify(created.body)}`);
  step(`POST /content -> 201, content ${created.body.contentId}, presigned POST to ${created.body.upload.url}`);

  const uploadStarted = Date.now();
  await postToS3(created.body, photo, 'image/jpeg');
  step('uploaded the file with a multipart POST straight to S3');

  const done = await waitForProcessed(endpoints, user.accessToken, created.body.contentId, 60_000);
  const elapsed = Date.now() - uploadStarted;
  const item = done.body;
  if (item.status !== 'READY') throw new Error(`content ended ${item.status}: ${item.reason}`);
  step(`GET /content/${item.contentId} -> ${item.status}`);
  console.log(
    `    dimensions ${item.metadata.width}x${item.metadata.height}, taken at ${item.metadata.takenAt}, camera ${item.metadata.make} ${item.metadata.model}`,
  );
  console.log(
    `    GPS ${item.metadata.gps?.latitude}, ${item.metadata.gps?.longitude} (altitude ${item.metadata.gps?.altitude} m)`,
  );

  const thumb = await fetch(item.urls.thumbnail.url);
  const bytes = Buffer.from(await thumb.arrayBuffer());
  const meta = await sharp(bytes).metadata();
  if (thumb.status !== 200 || meta.format !== 'webp')
    throw new Error(`thumbnail URL answered ${thumb.status} (${meta.format})`);
  step(`thumbnail URL works: ${meta.format} ${meta.width}x${meta.height}, ${bytes.length} bytes`);

  const entry = await until(60_000, async () => {
    const inbox = await expectStatus(
      api(endpoints, 'GET', '/notifications', { token: friend.accessToken }),
      200,
      'GET /notifications',
    );
    return inbox.items.find((e: { contentIds: string[] }) => e.contentIds.includes(item.contentId));
  });
  step(
    `the friend's inbox (GET /notifications): ${entry.type} by ${entry.actors.join(', ')}, ${entry.count} picture(s) at ${entry.at}`,
  );
  console.log(`\nupload -> READY took ${elapsed} ms`);
}

async function expectStatus(call: Promise<{ status: number; body: any }>, status: number, what: string) {
  const res = await call;
  if (res.status !== status) throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls `check` until it returns something, for at most `timeoutMs`. */
async function until<T>(timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms: is the notifier running (npm start)?`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

main().catch((error: Error) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
