// Reference tools for `npm run bench:media`: finding them (installing them from Debian when the
// bench runs as root), and running them with their wall time and CPU time measured.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, openSync, readFileSync, readSync, closeSync, realpathSync } from 'node:fs';
import path from 'node:path';

export interface ReferenceTools {
  vipsthumbnail?: { path: string; version: string };
  /** libjpeg-turbo's djpeg: decoding alone at 1/8 scale is the floor any 320 px thumbnail pays (info only). */
  djpeg?: { path: string; version: string };
  imagemagick?: { convert: string; mogrify: string; version: string; webp: boolean };
  /** What the reader should know about how the tools were found (wrappers skipped, installs). */
  notes: string[];
  /** One line per tool that is still missing, saying what to install. */
  missing: string[];
}

function executablesOnPath(name: string): string[] {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (!found.includes(candidate)) found.push(candidate);
    } catch {
      // not there
    }
  }
  return found;
}

function isElf(file: string): boolean {
  try {
    const fd = openSync(realpathSync(file), 'r');
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    closeSync(fd);
    return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  }
}

function output(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
}

function findVips(notes: string[]): ReferenceTools['vipsthumbnail'] {
  for (const candidate of executablesOnPath('vipsthumbnail')) {
    const version = output(candidate, ['--version']);
    if (/vips-\d/.test(version)) return { path: candidate, version: version.split('\n')[0]! };
    notes.push(`${candidate} does not answer like vipsthumbnail ("${version.slice(0, 60)}"): skipped`);
  }
  return undefined;
}

function findImageMagick(notes: string[]): ReferenceTools['imagemagick'] {
  // A `convert` early on PATH may be a wrapper script (this machine has one in /usr/local/bin that
  // forwards to /usr/bin/convert): its own start-up would be charged to ImageMagick, so only a
  // real binary counts.
  for (const candidate of executablesOnPath('convert')) {
    if (!isElf(candidate)) {
      notes.push(`${candidate} is a script, not ImageMagick's binary: skipped`);
      continue;
    }
    const version = output(candidate, ['-version']);
    if (!version.includes('ImageMagick')) continue;
    const mogrify = executablesOnPath('mogrify').find(isElf) ?? path.join(path.dirname(candidate), 'mogrify');
    // WebP support: the coder list says whether this build can write it (Debian's IM6 can, through libwebp).
    const formats = output(candidate, ['-list', 'format']);
    const webp = /^\s*WEBP\*?\s+\S+\s+[r-]w/m.test(formats);
    return { convert: candidate, mogrify, version: version.split('\n')[0]!.replace(/^Version:\s*/, ''), webp };
  }
  return undefined;
}

function apt(args: string[]): { ok: boolean; tail: string } {
  const result = spawnSync('apt-get', args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n');
  return { ok: result.status === 0, tail: text.slice(-3).join('\n') };
}

/** Finds vipsthumbnail and ImageMagick; when one is missing and we are root, installs it from Debian. */
export function findReferenceTools(log: (line: string) => void): ReferenceTools {
  const notes: string[] = [];
  let vips = findVips(notes);
  let im = findImageMagick(notes);
  const wanted = [...(vips ? [] : ['libvips-tools']), ...(im ? [] : ['imagemagick'])];
  if (wanted.length > 0 && process.getuid?.() === 0) {
    log(`installing ${wanted.join(' ')} (apt-get install -y) ...`);
    let result = apt(['install', '-y', ...wanted]);
    if (!result.ok) {
      log('apt-get install failed; running apt-get update and trying again ...');
      apt(['update']);
      result = apt(['install', '-y', ...wanted]);
    }
    if (!result.ok) notes.push(`apt-get install ${wanted.join(' ')} failed: ${result.tail}`);
    vips = findVips(notes);
    im = findImageMagick(notes);
    if (result.ok)
      notes.push(`ran apt-get install -y ${wanted.join(' ')}${vips && im ? '' : ', but a tool is still not on PATH'}`);
  }
  const rootHint = process.getuid?.() === 0 ? '' : ' (not root, so the bench did not try)';
  const missing = [
    ...(vips ? [] : [`vipsthumbnail missing: install libvips-tools (apt-get install -y libvips-tools)${rootHint}`]),
    ...(im
      ? []
      : [`ImageMagick (convert, mogrify) missing: install imagemagick (apt-get install -y imagemagick)${rootHint}`]),
  ];
  const djpegPath = executablesOnPath('djpeg').find(isElf);
  const djpeg = djpegPath ? { path: djpegPath, version: output(djpegPath, ['-version']).split('\n')[0]! } : undefined;
  if (!djpeg)
    notes.push('djpeg not found (Debian libjpeg-turbo-progs): no decode-floor row; not needed for the ratios');
  return { vipsthumbnail: vips, imagemagick: im, djpeg, notes: [...new Set(notes)], missing };
}

const CLOCK_TICKS_PER_SECOND = Number(output('getconf', ['CLK_TCK'])) || 100;

/**
 * CPU time (user + system, ms) of this process's children that have ended and been waited for
 * (/proc/self/stat cutime + cstime). Read before and after running a tool, the difference is the
 * tool's CPU time, at a resolution of one clock tick (10 ms). Children still running (the bench's
 * own worker processes) do not count until they end.
 */
function endedChildrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): cutime is field 16, cstime field 17.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

export interface ToolCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** CPUs to pin the process to with `taskset -c` (e.g. "0"); none: the scheduler decides. */
  cpus?: string;
}

/** Runs one command to completion; rejects with its stderr when it fails. */
export function runCommand(c: ToolCommand): Promise<void> {
  const [command, args] = c.cpus ? ['taskset', ['-c', c.cpus, c.command, ...c.args]] : [c.command, c.args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...c.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(c.command)} exited ${code}: ${stderr.trim().split('\n')[0] ?? ''}`)),
    );
  });
}

/**
 * Runs a list of commands, `parallel` at a time, and measures the wall time around all of them
 * (process start-up included: that is how these tools are run) and their CPU time.
 */
export async function timeCommands(commands: ToolCommand[], parallel = 1): Promise<{ wallMs: number; cpuMs: number }> {
  const queue = [...commands];
  const cpuBefore = endedChildrenCpuMs();
  const start = performance.now();
  const lane = async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) await runCommand(c);
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, lane));
  const wallMs = performance.now() - start;
  return { wallMs, cpuMs: endedChildrenCpuMs() - cpuBefore };
}
