// Child process for `npm run bench:media`: runs our image path (shared/media/derivatives.ts) under
// the CPU pinning and thread settings its parent chose, so that it can be compared with command-line
// tools run the same way. Two modes:
//   (no argument)        a server on the IPC channel: {id, task, files, outDir, inFlight} -> timings
//   rss <file | none>    a fresh process: load sharp and the module, run makeDerivatives on the
//                        file (or nothing: the baseline), print its peak RSS as JSON and exit.
// Each image is read from disk and each output written to disk inside the timed work, as the
// tools do; the clock is performance.now() in this process (the process start is not included).
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { openImage } from '#shared/media/decode';
import { DEFAULT_SPECS, makeDerivatives, makeOne, WEBP, type DerivativeSpec } from '#shared/media/derivatives';

/**
 * cover/inside/display: makeOne; derivatives: makeDerivatives. Information only: `pixels` is the
 * inside thumbnail up to its pixels (decode + resize, no encode), `inside-slow` the same thumbnail
 * decoded at vipsthumbnail's shrink-on-load scale (sharp's fastShrinkOnLoad off).
 */
export type WorkerTask = 'cover' | 'inside' | 'display' | 'derivatives' | 'pixels' | 'inside-slow';

export interface WorkerRequest {
  id: number;
  task: WorkerTask;
  files: string[];
  outDir: string;
  /** How many images are processed at once (1 = one after the other). */
  inFlight: number;
}

export type WorkerReply =
  | { id: number; ok: true; wallMs: number; cpuMs: number; perImageMs: number[] }
  | { id: number; ok: false; error: string };

export interface WorkerHello {
  hello: true;
  concurrency: number;
  uvThreadpool: string;
  vips: string;
  sharp: string;
}

export interface RssReport {
  input: string;
  maxRssKb: number;
  vmHwmKb: number | null;
  result?: { source: { width: number; height: number }; derivatives: string[] };
}

const SPECS: Record<'cover' | 'inside' | 'display', DerivativeSpec> = {
  cover: { name: 'thumbnail', size: 320, fit: 'cover' },
  inside: { name: 'thumbnail', size: 320, fit: 'inside' },
  display: DEFAULT_SPECS[0]!,
};

// sharp.concurrency(n) sets libvips' threads per pipeline; VIPS_CONCURRENCY alone is overridden by
// sharp's own default (1 on glibc without jemalloc), so the parent passes the wanted value here.
if (process.env.BENCH_SHARP_CONCURRENCY) sharp.concurrency(Number(process.env.BENCH_SHARP_CONCURRENCY));

async function processOne(task: WorkerTask, file: string, outDir: string): Promise<void> {
  const input = await readFile(file);
  const stem = path.basename(file, path.extname(file));
  if (task === 'pixels' || task === 'inside-slow') {
    const resized = (await openImage(input)).pipeline().resize({
      width: 320,
      height: 320,
      fit: 'inside',
      withoutEnlargement: true,
      fastShrinkOnLoad: task === 'pixels',
    });
    if (task === 'pixels') await resized.raw().toBuffer();
    else await writeFile(path.join(outDir, `${stem}-${task}.webp`), await resized.webp(WEBP).toBuffer());
  } else if (task === 'derivatives') {
    const set = await makeDerivatives(input);
    await Promise.all(set.derivatives.map((d) => writeFile(path.join(outDir, `${stem}-${d.name}.webp`), d.data)));
    await writeFile(path.join(outDir, `${stem}.thumbhash`), set.placeholder);
  } else {
    const image = await makeOne(input, SPECS[task]);
    await writeFile(path.join(outDir, `${stem}-${task}.webp`), image.data);
  }
}

async function run(request: WorkerRequest): Promise<WorkerReply> {
  const perImageMs: number[] = [];
  const queue = [...request.files];
  const cpu = process.cpuUsage();
  const start = performance.now();
  const lane = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const t = performance.now();
      await processOne(request.task, file, request.outDir);
      perImageMs.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, request.inFlight) }, lane));
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { id: request.id, ok: true, wallMs, cpuMs: (used.user + used.system) / 1000, perImageMs };
}

function vmHwmKb(): number | null {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

async function rss(file: string): Promise<void> {
  const report: RssReport = { input: file, maxRssKb: 0, vmHwmKb: null };
  if (file !== 'none') {
    const set = await makeDerivatives(await readFile(file));
    report.result = { source: set.source, derivatives: set.derivatives.map((d) => `${d.name} ${d.width}x${d.height}`) };
  }
  report.maxRssKb = process.resourceUsage().maxRSS;
  report.vmHwmKb = vmHwmKb();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function server(): void {
  const send = (message: WorkerReply | WorkerHello) => process.send!(message);
  send({
    hello: true,
    concurrency: sharp.concurrency(),
    uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? 'default (4)',
    vips: sharp.versions.vips,
    sharp: sharp.versions.sharp ?? 'unknown',
  });
  process.on('message', (request: WorkerRequest) => {
    run(request).then(send, (error: Error) => send({ id: request.id, ok: false, error: error.message }));
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[2] === 'rss') {
  rss(process.argv[3] ?? 'none').catch((error: Error) => {
    console.error(`rss child failed: ${error.message}`);
    process.exit(1);
  });
} else if (process.send) {
  server();
} else {
  console.error('media-worker: start it from bench/media.ts (needs an IPC channel, or "rss <file|none>")');
  process.exit(2);
}
