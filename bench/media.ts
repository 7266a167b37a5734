// `npm run bench:media`: our image path (shared/media/derivatives.ts, sharp) against the reference
// tools people use for the same job, measured in the same run on the same generated camera-like
// 12-megapixel JPEGs. It prints; it asserts nothing (targets are printed next to the ratios).
//   1. one 320 px thumbnail: images/s on one core (everything pinned with taskset -c 0, one thread)
//      and on two cores, ours vs vipsthumbnail (Debian libvips-tools) vs ImageMagick 6.
//   2. the full derivative set (makeDerivatives) vs its largest size alone (makeOne display).
//   3. peak RSS of makeDerivatives for a 12 MP and a 50 MP JPEG, each in a fresh child process,
//      next to a baseline child that only loads sharp and the module.
// Our side runs in a child process (bench/lib/media-worker.ts) so that it can be pinned and its
// thread pools set before they start; it times itself with performance.now(). The tools are timed
// around the spawned processes (their start-up included: that is how they are run).
// Exits non-zero only when a reference tool is missing and could not be installed (after printing
// everything it could measure). BENCH_IMAGES (10) and BENCH_ROUNDS (5) change the amount of work.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { makeJpeg } from '../scripts/lib/images';
import type { RssReport, WorkerHello, WorkerReply, WorkerRequest, WorkerTask } from './lib/media-worker';
import { findReferenceTools, runCommand, timeCommands, type ReferenceTools, type ToolCommand } from './lib/tools';

const IMAGES = Math.max(2, Number(process.env.BENCH_IMAGES ?? 10));
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const ROOT = path.resolve(__dirname, '..');
const WORKER = path.join(__dirname, 'lib', 'media-worker.ts');
const TARGETS = { vips: 1.3, imagemagick: 4, derivatives: 1.3, rss50MB: 512 };

const log = (line = '') => console.log(line);

// ---------------------------------------------------------------------------------------------
// Our side: a worker process, optionally pinned, answering timing requests over IPC.

interface Worker {
  hello: WorkerHello;
  run(task: WorkerTask, files: string[], outDir: string, inFlight: number): Promise<{ wallMs: number; cpuMs: number }>;
  stop(): void;
}

function startWorker(options: { cpus?: string; env: Record<string, string> }): Promise<Worker> {
  const nodeArgs = ['--import', 'tsx', WORKER];
  const [command, args] = options.cpus
    ? ['taskset', ['-c', options.cpus, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: WorkerReply & { ok: true }) => void; reject: (e: Error) => void }>();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const error = new Error(`our worker process exited (${code})`);
      reject(error);
      for (const p of pending.values()) p.reject(error);
    });
    child.on('message', (message: WorkerReply | WorkerHello) => {
      if ('hello' in message) {
        resolve({
          hello: message,
          run(task, files, outDir, inFlight) {
            const request: WorkerRequest = { id: nextId++, task, files, outDir, inFlight };
            return new Promise((res, rej) => {
              pending.set(request.id, { resolve: res, reject: rej });
              child.send(request);
            });
          },
          stop() {
            if (child.connected) child.disconnect();
          },
        });
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (!waiter) return;
      if (message.ok) waiter.resolve(message);
      else waiter.reject(new Error(`our path failed: ${message.error}`));
    });
  });
}

function rssChild(file: string): Promise<RssReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, 'rss', file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`rss child for ${path.basename(file)} exited ${code}`));
      try {
        resolve(JSON.parse(last) as RssReport);
      } catch {
        reject(new Error(`rss child printed no report: ${last.slice(0, 200)}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Contestants: one way of making the thumbnails of the whole batch, timed per round.

interface Contestant {
  key: string;
  side: 'ours' | 'vips' | 'im' | 'floor';
  label: string;
  /** Which measurement its ratio is computed against (the same operation done by the other side). */
  operation: 'inside' | 'cover';
  outDir: string;
  /** The output file made for one input (to report its size and dimensions); none: makes no file. */
  outFile?(input: string): string;
  run(files: string[]): Promise<{ wallMs: number; cpuMs: number }>;
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

const stem = (file: string) => path.basename(file, path.extname(file));
const halves = <T>(list: T[]): T[][] => [list.filter((_, i) => i % 2 === 0), list.filter((_, i) => i % 2 === 1)];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function vipsArgs(files: string[], outDir: string, cover: boolean): string[] {
  // One process for the whole batch; "-o" with an absolute path, `[Q=80,strip]` = the same WebP
  // quality as ours (80, effort 4 is libwebp's default) and no metadata, as ours. Cover = fill the
  // square and cut its centre, as ours does (`-m centre`; `-m attention` would do more work).
  return [...files, '-s', '320x320', ...(cover ? ['-m', 'centre'] : []), '-o', `${outDir}/%s.webp[Q=80,strip]`];
}

function convertArgs(file: string, outDir: string, ext: string, threads: 'one' | 'default', hint: boolean): string[] {
  // The documented IM order (input, then operator); "-thumbnail" also strips profiles. The quality
  // is pinned to ours (IM's WebP default is 75). The hint variant lets libjpeg shrink on load.
  return [
    ...(threads === 'one' ? ['-limit', 'thread', '1'] : []),
    ...(hint ? ['-define', 'jpeg:size=640x640'] : []),
    file,
    '-thumbnail',
    '320x320',
    '-quality',
    '80',
    path.join(outDir, `${stem(file)}.${ext}`),
  ];
}

function mogrifyArgs(files: string[], outDir: string, ext: string, threads: 'one' | 'default'): string[] {
  return [
    ...(threads === 'one' ? ['-limit', 'thread', '1'] : []),
    '-path',
    outDir,
    '-format',
    ext,
    '-thumbnail',
    '320x320',
    '-quality',
    '80',
    ...files,
  ];
}

// ---------------------------------------------------------------------------------------------

async function generate(dir: string): Promise<{ files: string[]; big: string; avgMB: number }> {
  const files = Array.from({ length: IMAGES }, (_, i) => path.join(dir, `img-${String(i).padStart(2, '0')}.jpg`));
  const big = path.join(dir, 'big-50mp.jpg');
  const jobs: Array<() => Promise<void>> = [
    // The 50 MP one first: it takes longest.
    async () =>
      writeFile(
        big,
        await makeJpeg(8660, 5774, { make: 'Bench', model: 'Big', dateTimeOriginal: '2024:01:01 10:00:00' }),
      ),
    ...files.map(
      (file, i) => async () =>
        writeFile(
          file,
          await makeJpeg(4000, 3000, { make: 'Bench', model: `Cam ${i}`, dateTimeOriginal: '2024:01:01 10:00:00' }),
        ),
    ),
  ];
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) await job();
    }),
  );
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  return { files, big, avgMB: sizes.reduce((a, b) => a + b, 0) / sizes.length / 1e6 };
}

async function describeOutput(file: string): Promise<string> {
  try {
    const meta = await sharp(file).metadata();
    return `${meta.width}x${meta.height} ${meta.format} ${((await stat(file)).size / 1024).toFixed(1)} KB`;
  } catch {
    return 'no output';
  }
}

async function runRounds(contestants: Contestant[], files: string[]): Promise<Map<string, Timing[]>> {
  const results = new Map<string, Timing[]>(contestants.map((c) => [c.key, []]));
  // Warm-up: each side once on two images (libraries loaded, caches filled), untimed.
  for (const c of contestants) await c.run(files.slice(0, 2));
  // Rounds alternate between the sides, so a disturbance (another process) hits them alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contestants) results.get(c.key)!.push(await c.run(files));
  }
  return results;
}

interface Row {
  c: Contestant;
  imgPerSec: number;
  best: number;
  cpuMsPerImg: number;
  /** Wall time of each timed round, in round order (the sides alternate within a round). */
  walls: number[];
  output: string;
}

async function rowsOf(contestants: Contestant[], results: Map<string, Timing[]>, files: string[]): Promise<Row[]> {
  const n = files.length;
  return Promise.all(
    contestants.map(async (c) => {
      const t = results.get(c.key)!;
      return {
        c,
        imgPerSec: n / (median(t.map((x) => x.wallMs)) / 1000),
        best: n / (Math.min(...t.map((x) => x.wallMs)) / 1000),
        cpuMsPerImg: median(t.map((x) => x.cpuMs)) / n,
        walls: t.map((x) => x.wallMs),
        output: c.outFile ? await describeOutput(c.outFile(files[0]!)) : 'decodes only, writes nothing',
      };
    }),
  );
}

function printTable(title: string, rows: Row[]): void {
  log(`\n${title}`);
  log(
    `  ${'contestant'.padEnd(62)} ${'img/s'.padStart(7)} ${'best'.padStart(7)} ${'CPU ms/img'.padStart(11)}   output (first image)`,
  );
  for (const r of rows) {
    log(
      `  ${r.c.label.padEnd(62)} ${r.imgPerSec.toFixed(1).padStart(7)} ${r.best.toFixed(1).padStart(7)} ${r.cpuMsPerImg.toFixed(1).padStart(11)}   ${r.output}`,
    );
  }
}

interface Ratio {
  label: string;
  /** The ratio from wall time (images/s, ms per image), or MB for memory; NaN: not measured. */
  value: number;
  /** The same ratio from CPU time (user + system), which another busy process on the machine disturbs less. */
  cpu?: number;
  target?: { op: '>=' | '<='; value: number; unit?: string };
  detail: string;
}

const fmtX = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');

/** ours / reference in images/s; a missing side gives a "not measured" line rather than no line. */
function ratio(label: string, ours: Row | undefined, ref: Row | undefined, target?: number): Ratio {
  const t = target ? { op: '>=' as const, value: target } : undefined;
  if (!ours || !ref) return { label, value: NaN, target: t, detail: 'not measured: the reference tool is missing' };
  return {
    label,
    value: ours.imgPerSec / ref.imgPerSec,
    cpu: ref.cpuMsPerImg / ours.cpuMsPerImg,
    target: t,
    detail: `${ours.imgPerSec.toFixed(1)} vs ${ref.imgPerSec.toFixed(1)} img/s; rounds ${roundRange(ours, ref)}; ref: ${ref.c.label.trim()}`,
  };
}

/** The ratio in each round (ours and the reference ran one after the other): its lowest and highest. */
function roundRange(ours: Row, ref: Row): string {
  const perRound = ours.walls.map((w, i) => ref.walls[i]! / w);
  return `${fmtX(Math.min(...perRound))}-${fmtX(Math.max(...perRound))}`;
}

function verdict(value: number | undefined, target: NonNullable<Ratio['target']>): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return (target.op === '>=' ? value >= target.value : value <= target.value) ? 'met' : 'NOT met';
}

function printRatios(ratios: Ratio[], indent = '  '): void {
  log(
    `${indent}${''.padEnd(56)} ${'wall'.padStart(7)} ${'CPU'.padStart(7)}   ${'target'.padEnd(17)} ${'wall / CPU'.padEnd(17)} detail`,
  );
  for (const r of ratios) {
    const unit = r.target?.unit;
    const value = unit ? `${r.value.toFixed(0)} ${unit}` : fmtX(r.value);
    const cpu = r.cpu === undefined ? '' : fmtX(r.cpu);
    const target = r.target ? `${r.target.op} ${r.target.value}${unit ? ` ${unit}` : 'x'}` : '(info)';
    const met = r.target
      ? r.cpu === undefined
        ? verdict(r.value, r.target)
        : `${verdict(r.value, r.target)} / ${verdict(r.cpu, r.target)}`
      : '';
    log(
      `${indent}${r.label.padEnd(56)} ${value.padStart(7)} ${cpu.padStart(7)}   ${target.padEnd(17)} ${met.padEnd(17)} ${r.detail}`,
    );
  }
}

/** The faster of several ways to run the same tool on the same operation (the strictest reference). */
function bestOf(
  rows: Row[],
  side: Contestant['side'],
  operation: Contestant['operation'],
  exclude: (r: Row) => boolean = () => false,
): Row | undefined {
  return rows
    .filter((r) => r.c.side === side && r.c.operation === operation && !exclude(r))
    .sort((a, b) => b.imgPerSec - a.imgPerSec)[0];
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const loadStart = os.loadavg()[0]!;
  log(
    `bench:media: ${IMAGES} generated 12 MP JPEGs, ${ROUNDS} timed rounds per contestant after one warm-up, ${os.cpus().length} cores (${cpu}), load average ${loadStart.toFixed(2)}`,
  );

  const tools: ReferenceTools = findReferenceTools(log);
  const im = tools.imagemagick;
  const vips = tools.vipsthumbnail;

  const dir = await mkdtemp(path.join(os.tmpdir(), 'media-share-bench-media-'));
  const workers: Worker[] = [];
  const problems = [...tools.missing];
  try {
    const t0 = performance.now();
    const { files, big, avgMB } = await generate(dir);
    log(
      `generated ${IMAGES} x 4000x3000 (${avgMB.toFixed(1)} MB on average) and one 8660x5774 (${((await stat(big)).size / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(0)} s, in ${dir}`,
    );

    // Our side: one worker pinned to CPU 0 with every pool at one thread, one on both cores as it
    // would run by default (libuv's 4 threads; sharp's own default concurrency).
    const oneCore = await startWorker({
      cpus: '0',
      env: { UV_THREADPOOL_SIZE: '1', VIPS_CONCURRENCY: '1', BENCH_SHARP_CONCURRENCY: '1' },
    });
    workers.push(oneCore);
    const twoCores = await startWorker({ env: {} });
    workers.push(twoCores);

    // ImageMagick's output format: WebP like the others when this build can write it.
    let imExt = 'webp';
    if (im && !im.webp) {
      imExt = 'jpg';
      tools.notes.push(`ImageMagick here cannot write WebP: it is compared writing JPEG (quality 80), the others WebP`);
    }
    if (im) {
      // A policy (Debian's policy.xml) or a missing delegate shows up here, not in the middle of a round.
      const probeDir = path.join(dir, 'probe');
      await mkdir(probeDir, { recursive: true });
      try {
        await runCommand({ command: im.convert, args: convertArgs(files[0]!, probeDir, imExt, 'default', false) });
      } catch (error) {
        if (imExt === 'webp') {
          imExt = 'jpg';
          tools.notes.push(
            `ImageMagick failed to write WebP (${(error as Error).message}): compared writing JPEG instead`,
          );
          await runCommand({
            command: im.convert,
            args: convertArgs(files[0]!, probeDir, imExt, 'default', false),
          }).catch((e: Error) => {
            problems.push(`ImageMagick cannot make a thumbnail here: ${e.message}`);
          });
        } else {
          problems.push(`ImageMagick cannot make a thumbnail here: ${(error as Error).message}`);
        }
      }
    }
    const imUsable = im && !problems.some((p) => p.startsWith('ImageMagick'));

    const out = async (key: string) => {
      const d = path.join(dir, 'out', key);
      await mkdir(d, { recursive: true });
      return d;
    };
    const ONE: Record<string, string> = { VIPS_CONCURRENCY: '1' };
    const IM_ONE: Record<string, string> = { MAGICK_THREAD_LIMIT: '1' };

    const oursContestant = async (
      key: string,
      worker: Worker,
      task: 'cover' | 'inside' | 'pixels' | 'inside-slow',
      inFlight: number,
      label: string,
    ): Promise<Contestant> => {
      const d = await out(key);
      const operation = task === 'cover' ? 'cover' : 'inside';
      const outFile = task === 'pixels' ? undefined : (f: string) => path.join(d, `${stem(f)}-${task}.webp`);
      return {
        key,
        side: 'ours',
        operation,
        label,
        outDir: d,
        outFile,
        run: (fs) => worker.run(task, fs, d, inFlight),
      };
    };
    const toolContestant = async (
      key: string,
      side: 'vips' | 'im' | 'floor',
      operation: 'inside' | 'cover',
      label: string,
      ext: string,
      commands: (files: string[], outDir: string) => ToolCommand[],
      parallel = 1,
    ): Promise<Contestant> => {
      const d = await out(key);
      return {
        key,
        side,
        operation,
        label,
        outDir: d,
        outFile: (f) => path.join(d, `${stem(f)}.${ext}`),
        run: (fs) => timeCommands(commands(fs, d), parallel),
      };
    };

    // ---- 1a. one core
    const one: Contestant[] = [
      await oursContestant('ours-cover-1', oneCore, 'cover', 1, 'ours  makeOne 320 cover (centre crop)'),
      await oursContestant('ours-inside-1', oneCore, 'inside', 1, 'ours  makeOne 320 inside'),
      await oursContestant('ours-pixels-1', oneCore, 'pixels', 1, 'ours  320 inside, pixels only: no encode (info)'),
      await oursContestant('ours-slow-1', oneCore, 'inside-slow', 1, "ours  320 inside at vips' decode scale (info)"),
    ];
    if (tools.djpeg) {
      const djpeg = tools.djpeg;
      one.push({
        key: 'floor-1',
        side: 'floor',
        operation: 'inside',
        label: 'djpeg -scale 1/8 (JPEG decode alone, per image; the floor)',
        outDir: dir,
        run: (fs) => timeCommands(fs.map((f) => ({ command: djpeg.path, args: ['-scale', '1/8', f], cpus: '0' }))),
      });
    }
    if (vips) {
      one.push(
        await toolContestant(
          'vips-inside-1',
          'vips',
          'inside',
          'vipsthumbnail -s 320x320 (1 process, whole batch)',
          'webp',
          (fs, d) => [{ command: vips.path, args: vipsArgs(fs, d, false), env: ONE, cpus: '0' }],
        ),
      );
      one.push(
        await toolContestant(
          'vips-cover-1',
          'vips',
          'cover',
          'vipsthumbnail -s 320x320 -m centre (1 process)',
          'webp',
          (fs, d) => [{ command: vips.path, args: vipsArgs(fs, d, true), env: ONE, cpus: '0' }],
        ),
      );
    }
    if (im && imUsable) {
      one.push(
        await toolContestant(
          'im-convert-1',
          'im',
          'inside',
          'convert -thumbnail 320x320 (1 process per image)',
          imExt,
          (fs, d) =>
            fs.map((f) => ({
              command: im.convert,
              args: convertArgs(f, d, imExt, 'one', false),
              env: IM_ONE,
              cpus: '0',
            })),
        ),
      );
      one.push(
        await toolContestant(
          'im-mogrify-1',
          'im',
          'inside',
          'mogrify -thumbnail 320x320 (1 process, whole batch)',
          imExt,
          (fs, d) => [{ command: im.mogrify, args: mogrifyArgs(fs, d, imExt, 'one'), env: IM_ONE, cpus: '0' }],
        ),
      );
      one.push(
        await toolContestant(
          'im-hint-1',
          'im',
          'inside',
          'convert -define jpeg:size=640x640 -thumbnail (per image; info)',
          imExt,
          (fs, d) =>
            fs.map((f) => ({
              command: im.convert,
              args: convertArgs(f, d, imExt, 'one', true),
              env: IM_ONE,
              cpus: '0',
            })),
        ),
      );
    }
    const oneRows = await rowsOf(one, await runRounds(one, files), files);
    printTable(
      `1. one 320 px thumbnail, ONE core (everything under taskset -c 0; ours: UV_THREADPOOL_SIZE=${oneCore.hello.uvThreadpool}, VIPS_CONCURRENCY=1, sharp.concurrency() = ${oneCore.hello.concurrency}, one image after the other; vips: VIPS_CONCURRENCY=1; IM: -limit thread 1, MAGICK_THREAD_LIMIT=1)`,
      oneRows,
    );

    // ---- 1b. two cores
    const two: Contestant[] = [
      await oursContestant('ours-cover-2', twoCores, 'cover', 2, 'ours  makeOne 320 cover, 2 in flight'),
      await oursContestant('ours-inside-2', twoCores, 'inside', 2, 'ours  makeOne 320 inside, 2 in flight'),
    ];
    if (vips) {
      two.push(
        await toolContestant(
          'vips-inside-2a',
          'vips',
          'inside',
          'vipsthumbnail -s 320x320 (1 process, default threads)',
          'webp',
          (fs, d) => [{ command: vips.path, args: vipsArgs(fs, d, false) }],
        ),
      );
      two.push(
        await toolContestant(
          'vips-inside-2b',
          'vips',
          'inside',
          'vipsthumbnail -s 320x320 (2 processes x half, 1 thread each)',
          'webp',
          (fs, d) => halves(fs).map((h) => ({ command: vips.path, args: vipsArgs(h, d, false), env: ONE })),
          2,
        ),
      );
      two.push(
        await toolContestant(
          'vips-cover-2a',
          'vips',
          'cover',
          'vipsthumbnail -m centre (1 process, default threads)',
          'webp',
          (fs, d) => [{ command: vips.path, args: vipsArgs(fs, d, true) }],
        ),
      );
      two.push(
        await toolContestant(
          'vips-cover-2b',
          'vips',
          'cover',
          'vipsthumbnail -m centre (2 processes x half, 1 thread)',
          'webp',
          (fs, d) => halves(fs).map((h) => ({ command: vips.path, args: vipsArgs(h, d, true), env: ONE })),
          2,
        ),
      );
    }
    if (im && imUsable) {
      two.push(
        await toolContestant(
          'im-convert-2a',
          'im',
          'inside',
          'convert -thumbnail (per image, one at a time, default threads)',
          imExt,
          (fs, d) => fs.map((f) => ({ command: im.convert, args: convertArgs(f, d, imExt, 'default', false) })),
        ),
      );
      two.push(
        await toolContestant(
          'im-convert-2b',
          'im',
          'inside',
          'convert -thumbnail (per image, 2 at a time, 1 thread each)',
          imExt,
          (fs, d) =>
            fs.map((f) => ({ command: im.convert, args: convertArgs(f, d, imExt, 'one', false), env: IM_ONE })),
          2,
        ),
      );
      two.push(
        await toolContestant(
          'im-mogrify-2a',
          'im',
          'inside',
          'mogrify -thumbnail (1 process, default threads)',
          imExt,
          (fs, d) => [{ command: im.mogrify, args: mogrifyArgs(fs, d, imExt, 'default') }],
        ),
      );
      two.push(
        await toolContestant(
          'im-mogrify-2b',
          'im',
          'inside',
          'mogrify -thumbnail (2 processes x half, 1 thread each)',
          imExt,
          (fs, d) =>
            halves(fs).map((h) => ({ command: im.mogrify, args: mogrifyArgs(h, d, imExt, 'one'), env: IM_ONE })),
          2,
        ),
      );
      two.push(
        await toolContestant(
          'im-hint-2',
          'im',
          'inside',
          'convert -define jpeg:size=640x640 (2 at a time; info)',
          imExt,
          (fs, d) => fs.map((f) => ({ command: im.convert, args: convertArgs(f, d, imExt, 'one', true), env: IM_ONE })),
          2,
        ),
      );
    }
    const twoRows = await rowsOf(two, await runRounds(two, files), files);
    printTable(
      `1. one 320 px thumbnail, TWO cores (no taskset; ours: one process, 2 images in flight, default pools: UV_THREADPOOL_SIZE 4, sharp.concurrency() = ${twoCores.hello.concurrency}; tools: default threads in one process, or 2 processes at once)`,
      twoRows,
    );

    // Ratios: the targets apply to like-for-like work only: ours inside vs the tools' inside, ours
    // cover (centre crop) vs vipsthumbnail -m centre (ImageMagick's -thumbnail only fits inside). Our
    // cover against the tools' inside is shown as information. On two cores the faster way of
    // running each tool is the reference. The jpeg:size hint and the djpeg floor are information.
    const notHint = (r: Row) => r.c.key.startsWith('im-hint');
    const byKey = (rows: Row[], key: string) => rows.find((r) => r.c.key === key);
    const oneRatios = [
      ratio(
        '1 core: ours inside / vipsthumbnail',
        byKey(oneRows, 'ours-inside-1'),
        bestOf(oneRows, 'vips', 'inside'),
        TARGETS.vips,
      ),
      ratio(
        '1 core: ours cover / vipsthumbnail -m centre',
        byKey(oneRows, 'ours-cover-1'),
        bestOf(oneRows, 'vips', 'cover'),
        TARGETS.vips,
      ),
      ratio(
        '1 core: ours cover / vipsthumbnail inside (info)',
        byKey(oneRows, 'ours-cover-1'),
        bestOf(oneRows, 'vips', 'inside'),
      ),
      ratio(
        '1 core: ours inside / convert (per image)',
        byKey(oneRows, 'ours-inside-1'),
        byKey(oneRows, 'im-convert-1'),
        TARGETS.imagemagick,
      ),
      ratio(
        '1 core: ours cover / convert inside (info)',
        byKey(oneRows, 'ours-cover-1'),
        byKey(oneRows, 'im-convert-1'),
      ),
      ratio(
        '1 core: ours inside / mogrify (batch)',
        byKey(oneRows, 'ours-inside-1'),
        byKey(oneRows, 'im-mogrify-1'),
        TARGETS.imagemagick,
      ),
      ratio(
        '1 core: ours inside / convert + jpeg:size hint (info)',
        byKey(oneRows, 'ours-inside-1'),
        byKey(oneRows, 'im-hint-1'),
      ),
      ratio(
        '1 core: ours inside / djpeg decode floor (info, <= 1)',
        byKey(oneRows, 'ours-inside-1'),
        byKey(oneRows, 'floor-1'),
      ),
      ratio(
        '1 core: ours, no encode / vipsthumbnail (info)',
        byKey(oneRows, 'ours-pixels-1'),
        bestOf(oneRows, 'vips', 'inside'),
      ),
      ratio(
        "1 core: ours, vips' decode scale / vipsthumbnail (info)",
        byKey(oneRows, 'ours-slow-1'),
        bestOf(oneRows, 'vips', 'inside'),
      ),
    ];
    const twoRatios = [
      ratio(
        '2 cores: ours inside / vipsthumbnail (its best way)',
        byKey(twoRows, 'ours-inside-2'),
        bestOf(twoRows, 'vips', 'inside'),
      ),
      ratio(
        '2 cores: ours cover / vipsthumbnail -m centre (best)',
        byKey(twoRows, 'ours-cover-2'),
        bestOf(twoRows, 'vips', 'cover'),
      ),
      ratio(
        '2 cores: ours inside / convert (its best way)',
        byKey(twoRows, 'ours-inside-2'),
        bestOf(
          twoRows.filter((r) => r.c.key.startsWith('im-convert')),
          'im',
          'inside',
        ),
      ),
      ratio(
        '2 cores: ours inside / ImageMagick (best incl. mogrify)',
        byKey(twoRows, 'ours-inside-2'),
        bestOf(twoRows, 'im', 'inside', notHint),
      ),
    ];
    log('\n  ratios: wall = img/s ours / img/s reference (median round); CPU = reference CPU ms per image / ours');
    printRatios([...oneRatios, ...twoRatios]);

    // ---- 2. full derivative set vs the largest size alone
    const derivDirs = { one: await out('deriv-1'), two: await out('deriv-2') };
    const deriv: Contestant[] = [
      {
        key: 'display-1',
        side: 'ours',
        operation: 'inside',
        label: 'makeOne display 1440 inside, 1 core',
        outDir: derivDirs.one,
        outFile: (f) => path.join(derivDirs.one, `${stem(f)}-display.webp`),
        run: (fs) => oneCore.run('display', fs, derivDirs.one, 1),
      },
      {
        key: 'set-1',
        side: 'ours',
        operation: 'inside',
        label: 'makeDerivatives (display + thumbnail + placeholder), 1 core',
        outDir: derivDirs.one,
        outFile: (f) => path.join(derivDirs.one, `${stem(f)}-thumbnail.webp`),
        run: (fs) => oneCore.run('derivatives', fs, derivDirs.one, 1),
      },
      {
        key: 'display-2',
        side: 'ours',
        operation: 'inside',
        label: 'makeOne display 1440 inside, 2 cores, one image at a time',
        outDir: derivDirs.two,
        outFile: (f) => path.join(derivDirs.two, `${stem(f)}-display.webp`),
        run: (fs) => twoCores.run('display', fs, derivDirs.two, 1),
      },
      {
        key: 'set-2',
        side: 'ours',
        operation: 'inside',
        label: 'makeDerivatives, 2 cores, one image at a time',
        outDir: derivDirs.two,
        outFile: (f) => path.join(derivDirs.two, `${stem(f)}-thumbnail.webp`),
        run: (fs) => twoCores.run('derivatives', fs, derivDirs.two, 1),
      },
    ];
    const derivResults = await runRounds(deriv, files);
    const perImage = (key: string) => median(derivResults.get(key)!.map((t) => t.wallMs)) / files.length;
    const cpuPerImage = (key: string) => median(derivResults.get(key)!.map((t) => t.cpuMs)) / files.length;
    log(
      '\n2. full derivative set vs its largest size alone, same images (ms per image, median round; input read and outputs written included)',
    );
    log(`  ${'work'.padEnd(62)} ${'ms/img'.padStart(7)} ${'CPU ms/img'.padStart(11)}   output (first image)`);
    for (const c of deriv) {
      log(
        `  ${c.label.padEnd(62)} ${perImage(c.key).toFixed(1).padStart(7)} ${cpuPerImage(c.key).toFixed(1).padStart(11)}   ${c.outFile ? await describeOutput(c.outFile(files[0]!)) : ''}`,
      );
    }
    const derivRatios: Ratio[] = [
      {
        label: '1 core: makeDerivatives / makeOne(display)',
        value: perImage('set-1') / perImage('display-1'),
        cpu: cpuPerImage('set-1') / cpuPerImage('display-1'),
        target: { op: '<=', value: TARGETS.derivatives },
        detail: `${perImage('set-1').toFixed(0)} vs ${perImage('display-1').toFixed(0)} ms/img`,
      },
      {
        label: '2 cores: makeDerivatives / makeOne(display)',
        value: perImage('set-2') / perImage('display-2'),
        cpu: cpuPerImage('set-2') / cpuPerImage('display-2'),
        target: { op: '<=', value: TARGETS.derivatives },
        detail: `${perImage('set-2').toFixed(0)} vs ${perImage('display-2').toFixed(0)} ms/img`,
      },
    ];
    printRatios(derivRatios);

    for (const w of workers) w.stop();
    workers.length = 0;

    // ---- 3. peak RSS, a fresh child per input (default pools, no pinning)
    log('\n3. peak RSS of makeDerivatives, a fresh child process per input (node --import tsx; default pools)');
    const baseline = await rssChild('none');
    const r12 = await rssChild(files[0]!);
    const r50 = await rssChild(big);
    // Peak RSS = VmHWM (the high-water mark of this process's own memory). getrusage's maxRSS is
    // printed too but is not used: Linux carries it across fork + exec, so a child of a parent that
    // was once large reports the parent's peak (here the parent made the 50 MP picture).
    const mb = (kb: number | null) => (kb === null ? 'n/a' : (kb / 1024).toFixed(0));
    const peak = (r: RssReport) => r.vmHwmKb ?? r.maxRssKb;
    log(
      `  ${'child'.padEnd(62)} ${'peak RSS MB'.padStart(11)} ${'over baseline'.padStart(14)} ${'getrusage maxRSS MB'.padStart(20)}`,
    );
    for (const [label, r] of [
      ['baseline: loads sharp + shared/media/derivatives only', baseline],
      [
        `12 MP JPEG (${((await stat(files[0]!)).size / 1e6).toFixed(1)} MB) -> ${r12.result?.derivatives.join(', ')}`,
        r12,
      ],
      [`50 MP JPEG (${((await stat(big)).size / 1e6).toFixed(1)} MB) -> ${r50.result?.derivatives.join(', ')}`, r50],
    ] as const) {
      const over = r === baseline ? '' : `+${mb(peak(r) - peak(baseline))} MB`;
      log(`  ${label.padEnd(62)} ${mb(peak(r)).padStart(11)} ${over.padStart(14)} ${mb(r.maxRssKb).padStart(20)}`);
    }
    const rssRatios: Ratio[] = [
      {
        label: 'peak RSS (VmHWM), 50 MP makeDerivatives',
        value: peak(r50) / 1024,
        target: { op: '<=', value: TARGETS.rss50MB, unit: 'MB' },
        detail: `whole process; baseline ${mb(peak(baseline))} MB, 12 MP ${mb(peak(r12))} MB`,
      },
    ];
    if (baseline.vmHwmKb === null)
      tools.notes.push(
        'no /proc/self/status here: peak RSS is getrusage maxRSS, which can carry the parent process peak',
      );
    else if (Math.abs(baseline.maxRssKb - r50.maxRssKb) < 1024)
      tools.notes.push(
        `getrusage maxRSS was ${mb(baseline.maxRssKb)} MB in every child, baseline included: Linux keeps it across fork + exec (the parent's peak); VmHWM is the child's own`,
      );

    // ---- versions, notes, summary
    const loadEnd = os.loadavg()[0]!;
    log('\nversions');
    log(
      `  node ${process.version}; sharp ${oneCore.hello.sharp} with libvips ${oneCore.hello.vips} (its prebuilt binaries)`,
    );
    log(
      `  djpeg: ${tools.djpeg ? `${tools.djpeg.path}, ${tools.djpeg.version}` : 'missing (libjpeg-turbo-progs; info only)'}`,
    );
    log(`  vipsthumbnail: ${vips ? `${vips.path}, ${vips.version} (Debian libvips-tools)` : 'missing'}`);
    log(
      `  ImageMagick: ${im ? `${im.convert}, ${im.mogrify}: ${im.version}; writes WebP: ${im.webp ? 'yes' : 'no'}` : 'missing'}`,
    );
    log('notes');
    for (const n of tools.notes) log(`  - ${n}`);
    log(
      `  - ours is timed in its process (read file, decode, resize, encode, write file); the tools around the spawned process, so their start-up counts (amortised over the batch for vipsthumbnail and mogrify, paid per image by convert)`,
    );
    log(
      `  - sharp's default concurrency on glibc without jemalloc is 1 thread per pipeline (two-core worker reports ${twoCores.hello.concurrency}); parallelism comes from images in flight`,
    );
    if (Math.max(loadStart, loadEnd) > 0.5)
      log(
        `  - load average ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at the end: other processes used the CPUs, wall-time numbers are noisier (the rounds alternate between sides; CPU-time ratios are less affected)`,
      );

    log('\nsummary (measured ratio, target; printed, not asserted)');
    printRatios([...oneRatios.filter((r) => r.target), ...twoRatios, ...derivRatios, ...rssRatios]);
    if (problems.length > 0) {
      log('\nreference tools missing (the rows above are what could be measured without them):');
      for (const p of problems) log(`  ${p}`);
      return 1;
    }
    return 0;
  } finally {
    for (const w of workers) w.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`bench:media failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
