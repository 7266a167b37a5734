// `npm run bench`: upload -> READY on the local stack for camera-sized JPEGs, against the
// reference measured in the same run on the same files: the image work alone, in process
// (decode once, every derivative and the placeholder). The ratio is what the event-driven path costs on top
// of the image work: S3 POST, notification, SNS fan-out, two functions, DynamoDB writes.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startStack } from '../infra/local/stack';
import { makeDerivatives } from '../shared/media/derivatives';
import { api, postToS3, signUp, waitForProcessed } from '../scripts/lib/client';
import { makeJpeg } from '../scripts/lib/images';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  process.env.LOCAL_STACK_QUIET = '1';
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-share-bench-'));
  const stack = await startStack({
    root: path.resolve(__dirname, '..'),
    dataDir,
    ports: { api: 0, dynamodb: 0, s3: 0, sns: 0, sqs: 0, cognito: 0 },
  });
  try {
    const e = stack.endpoints;
    const user = await signUp(e);
    // Distinct bytes per upload (the same bytes again would be a DUPLICATE, not processed).
    const [warmup, ...photos] = await Promise.all(
      Array.from({ length: RUNS + 1 }, (_, i) =>
        makeJpeg(4000, 3000, { make: 'Bench', model: `Cam ${i}`, dateTimeOriginal: '2024:01:01 10:00:00' }),
      ),
    );
    // Warm up both paths once (cold starts are not what this measures).
    await makeDerivatives(warmup!);
    const warm = await api(e, 'POST', '/content', {
      token: user.accessToken,
      body: { contentType: 'image/jpeg', size: warmup!.length },
    });
    await postToS3(warm.body, warmup!, 'image/jpeg');
    await waitForProcessed(e, user.accessToken, warm.body.contentId, 60_000);

    const reference: number[] = [];
    for (const photo of photos) {
      const t = performance.now();
      await makeDerivatives(photo);
      reference.push(performance.now() - t);
    }
    const pipeline: number[] = [];
    for (const photo of photos) {
      const created = await api(e, 'POST', '/content', {
        token: user.accessToken,
        body: { contentType: 'image/jpeg', size: photo.length },
      });
      const t = performance.now();
      await postToS3(created.body, photo, 'image/jpeg');
      const done = await waitForProcessed(e, user.accessToken, created.body.contentId, 60_000);
      pipeline.push(performance.now() - t);
      if (done.body.status !== 'READY') throw new Error(`bench upload ended ${done.body.status}: ${done.body.reason}`);
    }
    const mb = photos.reduce((s, p) => s + p.length, 0) / photos.length / 1e6;
    const row = (name: string, v: number[]) =>
      `${name.padEnd(44)} p50 ${percentile(v, 50).toFixed(0).padStart(6)} ms   p99 ${percentile(v, 99).toFixed(0).padStart(6)} ms`;
    console.log(`\n${RUNS} JPEGs of 12 MP (${mb.toFixed(1)} MB on average), ${os.cpus().length} cores`);
    console.log(row('reference: derivative set in process', reference));
    console.log(row('upload -> READY on the local stack', pipeline));
    console.log(
      `ratio (p50): ${(percentile(pipeline, 50) / percentile(reference, 50)).toFixed(2)}x the image work alone`,
    );
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
