import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
// sharp must be loaded by the main thread before worker threads use it (sharp's docs, glibc
// Linux): otherwise discarding an environment while libvips works can take the process down.
import 'sharp';

/** Read when a line is printed: callers may set LOCAL_STACK_QUIET after this module is loaded. */
const quiet = () => process.env.LOCAL_STACK_QUIET === '1';

export interface FunctionConfig {
  name: string;
  /** e.g. services/content/create-content.handler */
  handler: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
}

export class FunctionError extends Error {
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** One execution environment (a worker thread). */
class Environment {
  readonly worker: Worker;
  private pending?: Pending & { id: string; timer: NodeJS.Timeout };
  dead = false;

  constructor(
    config: FunctionConfig,
    bundle: string,
    handlerName: string,
    onLogLine?: (functionName: string, line: string) => void,
  ) {
    this.worker = new Worker(path.join(__dirname, 'lambda-worker.cjs'), {
      workerData: { bundle, handlerName, functionName: config.name, memorySize: config.memorySize },
      env: config.environment,
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(128, config.memorySize) },
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        onLogLine?.(config.name, line);
        // LOCAL_STACK_QUIET (the test setup sets it) keeps only warnings and errors.
        if (quiet() && !/"level":"(WARN|ERROR|CRITICAL)"|\bERROR\b|Error:/.test(line)) return;
        process.stdout.write(`[fn:${config.name}] ${line}\n`);
      });
    }
    this.worker.on(
      'message',
      (message: {
        id: string;
        ok: boolean;
        result?: unknown;
        error?: { errorType: string; errorMessage: string; stack?: string };
      }) => {
        const pending = this.pending;
        if (!pending || pending.id !== message.id) return;
        this.pending = undefined;
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.result);
        else {
          const err = message.error!;
          // An authorizer's 'Unauthorized' is its way of answering 401, not a failure worth a line in tests.
          if (!(quiet() && err.errorMessage === 'Unauthorized'))
            process.stdout.write(`[fn:${config.name}] ERROR ${err.errorType}: ${err.errorMessage}\n`);
          pending.reject(new FunctionError(config.name, err.errorType, err.errorMessage));
        }
      },
    );
    const fail = (error: Error) => {
      this.dead = true;
      const pending = this.pending;
      this.pending = undefined;
      if (pending) {
        clearTimeout(pending.timer);
        pending.reject(new FunctionError(config.name, 'Runtime.ExitError', error.message));
      }
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`execution environment exited with code ${code}`)));
  }

  invoke(event: unknown, timeoutSeconds: number, functionName: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = randomUUID();
      const deadline = Date.now() + timeoutSeconds * 1000;
      // Lambda stops an invocation at its timeout by discarding the environment: so do we.
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.dead = true;
        void this.worker.terminate();
        process.stdout.write(`[fn:${functionName}] Task timed out after ${timeoutSeconds} seconds\n`);
        reject(
          new FunctionError(
            functionName,
            'Sandbox.Timedout',
            `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
          ),
        );
      }, timeoutSeconds * 1000);
      this.pending = { id, resolve, reject, timer };
      this.worker.postMessage({ id, event: structuredClone(event), deadline, requestId: id });
    });
  }
}

/**
 * Runs the service's functions the way Lambda does: each function in its own execution
 * environments (worker threads with the function's own environment variables), one invocation
 * per environment at a time, more environments under concurrent load, timeouts enforced.
 */
export class LocalLambda {
  private readonly idle = new Map<string, Environment[]>();
  private readonly busy = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();
  private readonly bundles = new Map<string, string>();
  private readonly all = new Set<Environment>();

  constructor(
    private readonly root: string,
    private readonly buildDir: string,
    private readonly functions: Map<string, FunctionConfig>,
    private readonly maxConcurrency = 4,
    /** Every line a function writes (CloudWatch Logs' view; the stack extracts EMF metrics from it). */
    private readonly onLogLine?: (functionName: string, line: string) => void,
  ) {}

  /** Bundles every handler with esbuild, as the deployment does (dependencies stay external here). */
  async build(): Promise<void> {
    await mkdir(this.buildDir, { recursive: true });
    const entryPoints: Record<string, string> = {};
    for (const fn of this.functions.values()) {
      const file = fn.handler.slice(0, fn.handler.lastIndexOf('.'));
      entryPoints[fn.name] = path.join(this.root, `${file}.ts`);
    }
    await build({
      entryPoints,
      outdir: this.buildDir,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: 'inline',
      packages: 'external',
      logLevel: 'warning',
      absWorkingDir: this.root,
    });
    for (const fn of this.functions.values()) this.bundles.set(fn.name, path.join(this.buildDir, `${fn.name}.js`));
  }

  has(name: string): boolean {
    return this.functions.has(name);
  }

  async invoke(name: string, event: unknown): Promise<unknown> {
    const config = this.functions.get(name);
    if (!config) throw new Error(`No function named ${name}`);
    const env = await this.acquire(config);
    try {
      return await env.invoke(event, config.timeoutSeconds, name);
    } finally {
      this.release(name, env);
    }
  }

  private async acquire(config: FunctionConfig): Promise<Environment> {
    for (;;) {
      const idle = this.idle.get(config.name) ?? [];
      let env = idle.pop();
      while (env?.dead) env = idle.pop();
      if (env) {
        this.busy.set(config.name, (this.busy.get(config.name) ?? 0) + 1);
        return env;
      }
      if ((this.busy.get(config.name) ?? 0) < this.maxConcurrency) {
        this.busy.set(config.name, (this.busy.get(config.name) ?? 0) + 1);
        const handlerName = config.handler.slice(config.handler.lastIndexOf('.') + 1);
        const fresh = new Environment(config, this.bundles.get(config.name)!, handlerName, this.onLogLine);
        this.all.add(fresh);
        fresh.worker.on('exit', () => this.all.delete(fresh));
        return fresh;
      }
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(config.name) ?? [];
        queue.push(resolve);
        this.waiting.set(config.name, queue);
      });
    }
  }

  private release(name: string, env: Environment): void {
    this.busy.set(name, (this.busy.get(name) ?? 1) - 1);
    if (!env.dead) {
      const idle = this.idle.get(name) ?? [];
      idle.push(env);
      this.idle.set(name, idle);
    }
    this.waiting.get(name)?.shift()?.();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.all].map((env) => env.worker.terminate()));
    this.idle.clear();
  }
}
