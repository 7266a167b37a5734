// `npm start` as a user runs it: the real entry point in its own process, on free ports, with its
// own data directory. Stop it with SIGINT (what Ctrl-C sends), start it again: the user, the item
// and its files are still there, and no DynamoDB Local Java process outlives the stack.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import sharp from 'sharp';
import { api, cognitoClient, postToS3, readEndpoints, signUp, waitForProcessed } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';

const root = path.resolve(__dirname, '..', '..');
let dataDir: string;
let child: ChildProcess | undefined;

function start(): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_DATA_DIR: dataDir, LOCAL_STACK_QUIET: '1' };
  for (const name of ['API', 'DYNAMODB', 'S3', 'SNS', 'SQS', 'COGNITO']) env[`LOCAL_${name}_PORT`] = '0';
  // As `npm start` runs it: tsx as a loader inside the one node process (its CLI would be a second
  // process that kills the stack if it does not acknowledge SIGINT within 30 ms).
  const proc = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.resume();
  proc.stderr!.on('data', (d) => process.stderr.write(d));
  return proc;
}

async function stop(proc: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGINT');
  return exited;
}

function javaProcessesFor(dir: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `java.*${dir}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

afterAll(async () => {
  if (child && child.exitCode === null) await stop(child);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it('keeps users, items and files across a restart, and leaves no Java process behind after SIGINT', async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-share-restart-'));
  const endpointsFile = path.join(dataDir, 'endpoints.json');

  child = start();
  let endpoints = await readEndpoints(endpointsFile, 90_000);
  const user = await signUp(endpoints, `restart-${Date.now()}@example.com`, 'restart-pass-42');
  const jpeg = await makeJpeg(800, 600, { make: 'Nikon', model: 'Z6' });
  const created = await api(endpoints, 'POST', '/content', {
    token: user.accessToken,
    body: { contentType: 'image/jpeg', size: jpeg.length },
  });
  await postToS3(created.body, jpeg, 'image/jpeg');
  const { body: before } = await waitForProcessed(endpoints, user.accessToken, created.body.contentId);
  expect(before.status).toBe('READY');
  expect(javaProcessesFor(dataDir)).toHaveLength(1);

  expect(await stop(child)).toBe(0);
  expect(javaProcessesFor(dataDir)).toEqual([]);

  child = start();
  endpoints = await readEndpoints(endpointsFile, 90_000);
  const auth = await cognitoClient(endpoints).send(
    new InitiateAuthCommand({
      ClientId: endpoints.cognito.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: user.email, PASSWORD: 'restart-pass-42' },
    }),
  );
  const token = auth.AuthenticationResult!.AccessToken!;
  const after = await api(endpoints, 'GET', `/content/${created.body.contentId}`, { token });
  expect(after.status).toBe(200);
  expect(after.body).toMatchObject({
    status: 'READY',
    ownerId: user.userId,
    metadata: { make: 'Nikon', model: 'Z6', width: 800, height: 600 },
  });
  const thumb = await fetch(after.body.urls.thumbnail.url);
  expect(thumb.status).toBe(200);
  expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).format).toBe('webp');
  const original = await fetch(after.body.urls.original.url);
  expect(Buffer.from(await original.arrayBuffer()).equals(jpeg)).toBe(true);

  expect(await stop(child)).toBe(0);
  expect(javaProcessesFor(dataDir)).toEqual([]);
});
