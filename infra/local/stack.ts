// The local stack: every emulated service started on this machine and wired from serverless.yml
// (startStack), in phases: the definition's resources (stack-resources.ts), the functions, their
// asynchronous invocation (stack-async.ts) and their events (stack-events.ts), the endpoints file.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {
  LOCAL_ACCOUNT_ID,
  loadServiceDefinition,
  pseudoParameters,
  resolveIntrinsics,
  type LocalValues,
} from './definition';
import { startDynamoDbLocal } from './dynamodb';
import { corsRules, startHttpApi } from './http-api';
import { LocalMetrics } from './metrics';
import { startIdentityProvider } from './identity';
import { localLog } from './log';
import { LocalLambda } from './runtime';
import { S3RVER_CREDENTIALS, startS3 } from './s3';
import { startSns } from './sns';
import { startSqs } from './sqs';
import { asyncInvocations } from './stack-async';
import {
  bucketConfigs,
  httpRoutes,
  snsSubscriptions,
  startSqsMappings,
  startStreamMappings,
  type Wiring,
} from './stack-events';
import {
  createTables,
  functionConfigs,
  localValues,
  platformApplications,
  queueConfigs,
  resourceNames,
} from './stack-resources';

const log = localLog('stack');

// Development runs on Node 20; the deployed functions run on nodejs22.x. The SDK's notice about
// its future Node 22 requirement is known and would repeat in every execution environment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface StackOptions {
  root: string;
  dataDir: string;
  stage?: string;
  /** Stage parameters over the definition's (as `osls --param name=value` sets them). */
  params?: Record<string, string | number>;
  host?: string;
  ports?: Partial<Record<'api' | 'dynamodb' | 's3' | 'sns' | 'sqs' | 'cognito', number>>;
  /** Delays between Lambda's two retries of a failed asynchronous invocation (AWS: ~1 and ~2 minutes). */
  asyncRetryDelaysMs?: number[];
}

export interface Endpoints {
  api: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  cognito: { endpoint: string; userPoolId: string; clientId: string; issuer: string };
  dynamodb: string;
  s3: string;
  sns: string;
  sqs: string;
  bucket: string;
  tables: Record<string, string>;
  topics: Record<string, string>;
  /** The SNS platform applications the functions push through (ARNs). */
  platformApplications: string[];
  dataDir: string;
  failuresDir: string;
  /** Every push so far, one JSON line each; `GET {sns}/_local/deliveries` serves the same. */
  snsDeliveries: string;
}

export interface RunningStack {
  endpoints: Endpoints;
  stop(): Promise<void>;
}

export const DEFAULT_PORTS = { api: 3000, dynamodb: 8000, s3: 4569, sns: 9911, sqs: 9324, cognito: 9229 };

/**
 * Starts the whole backend on local services, wired from serverless.yml:
 * DynamoDB Local (with Streams), s3rver, the SNS subset, the identity provider, the functions in
 * their own execution environments, the HTTP API, S3 -> SNS -> function notifications and the
 * DynamoDB stream mappings. Writes `<dataDir>/endpoints.json`.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = path.resolve(options.dataDir);
  const stage = options.stage ?? 'local';
  await mkdir(dataDir, { recursive: true });
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  await assertPortsFree(host, ports);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((e) => log.warn(`stop: ${(e as Error).message}`));
    stops.length = 0;
  };

  try {
    const definition = await loadServiceDefinition(options.root, stage, options.params);
    const region = definition.provider.region;
    const pseudo = pseudoParameters(region);
    const staticValues: LocalValues = { ref: () => undefined, getAtt: () => undefined };
    const literal = (value: unknown) => resolveIntrinsics(value, staticValues, pseudo);

    // DynamoDB Local with the tables of the definition.
    const dynamoStarted = Date.now();
    const dynamodb = await startDynamoDbLocal({ port: ports.dynamodb, dataDir: path.join(dataDir, 'dynamodb'), host });
    stops.push(() => dynamodb.stop());
    const tableInfo = await createTables(dynamodb.endpoint, definition, literal);
    log.info(
      `DynamoDB Local on ${dynamodb.endpoint} (${Date.now() - dynamoStarted} ms), tables: ${[...tableInfo.values()].map((t) => t.name).join(', ')}`,
    );

    // Names of the other resources.
    const names = resourceNames(definition, literal);
    const { topics, buckets, userPoolId, clientId } = names;

    const idp = await startIdentityProvider({
      port: ports.cognito,
      host,
      dataDir: path.join(dataDir, 'cognito'),
      userPoolId,
      clientId,
      region,
    });
    stops.push(() => idp.close());

    // SQS with the definition's queues (and their redrive policies).
    const sqs = await startSqs({
      port: ports.sqs,
      host,
      region,
      accountId: LOCAL_ACCOUNT_ID,
      dataDir,
      queues: queueConfigs(definition, names, literal),
    });
    stops.push(() => sqs.close());

    const values = localValues(region, tableInfo, names, idp.issuer, sqs.endpoint);
    const wiring: Wiring = { definition, region, values, pseudo };

    // Functions.
    const snsPort = ports.sns === 0 ? await freePort(host) : ports.sns;
    const s3Port = ports.s3 === 0 ? await freePort(host) : ports.s3;
    const snsEndpoint = `http://${host}:${snsPort}`;
    const s3Endpoint = `http://${host}:${s3Port}`;
    const functions = functionConfigs(wiring, stage, {
      dynamodb: dynamodb.endpoint,
      s3: s3Endpoint,
      sns: snsEndpoint,
      sqs: sqs.endpoint,
      cognito: idp.endpoint,
    });
    const metrics = new LocalMetrics();
    const lambda = new LocalLambda(
      options.root,
      path.join(options.root, '.local', 'build', String(process.pid)),
      functions,
      Number(process.env.LOCAL_MAX_CONCURRENCY ?? 4),
      (functionName, line) => metrics.fromLogLine(functionName, line),
    );
    const buildStarted = Date.now();
    await lambda.build();
    stops.push(async () => {
      await lambda.stop();
      await rm(path.join(options.root, '.local', 'build', String(process.pid)), { recursive: true, force: true });
    });
    log.info(`${functions.size} functions bundled (${Date.now() - buildStarted} ms)`);

    // Asynchronous invocation (SNS, S3): Lambda retries a failed event twice, then gives up.
    const failuresDir = path.join(dataDir, 'failures');
    await mkdir(failuresDir, { recursive: true });
    const invocations = asyncInvocations(wiring, {
      lambda,
      failuresDir,
      retryDelays: options.asyncRetryDelaysMs ?? [1000, 2000],
    });
    const invokeAsync = invocations.invoke;

    // SNS with the definition's topics, the functions' sns subscriptions and the platform
    // applications the functions are configured with.
    const subscriptions = snsSubscriptions(wiring);
    const applications = platformApplications(functions);
    const sns = await startSns({
      port: snsPort,
      host,
      region,
      accountId: LOCAL_ACCOUNT_ID,
      dataDir,
      topics: [...new Set([...topics.values(), ...subscriptions.map((s) => s.topicArn)])],
      platformApplications: applications,
      subscriptions,
      invokeAsync,
    });
    stops.push(() => sns.close());

    // S3 with the bucket's CORS and notifications.
    const s3 = await startS3({
      port: s3Port,
      host,
      dataDir: path.join(dataDir, 's3'),
      region,
      buckets: bucketConfigs(wiring, buckets),
      toTopic: (arn, message) => sns.publish(arn, message, 'Amazon S3 Notification'),
      toFunction: (arn, event) => invokeAsync(arn.split(':').pop()!, event),
    });
    stops.push(() => s3.close());

    // DynamoDB stream mappings.
    const mappings = await startStreamMappings(wiring, {
      tableInfo,
      dynamodbEndpoint: dynamodb.endpoint,
      lambda,
      dataDir,
      failuresDir,
    });
    stops.push(async () => {
      await Promise.all(mappings.map((m) => m.stop()));
    });

    // SQS event-source mappings (functions' sqs events).
    const queueMappings = startSqsMappings(wiring, { sqs, lambda });
    stops.push(async () => {
      await Promise.all(queueMappings.map((m) => m.stop()));
    });

    // HTTP API.
    const routes = httpRoutes(definition);
    const api = await startHttpApi({
      port: ports.api,
      host,
      routes,
      cors: corsRules(definition.provider.httpApi?.cors, routes),
      invoke: (n, ev) => lambda.invoke(n, ev),
      accountId: LOCAL_ACCOUNT_ID,
      control: {
        // The metric data points the functions' EMF log lines make (infra/local/metrics.ts).
        metrics: async (url) => ({ points: metrics.query(url.searchParams.get('name') ?? undefined) }),
        // Resolves once no asynchronous event (S3 -> SNS -> function, with retries) is in flight:
        // tests and scripts wait on this instead of sleeping.
        'async-idle': (url) => invocations.idle(url),
      },
    });
    stops.push(async () => {
      invocations.stopping();
      await api.close();
    });

    const endpoints: Endpoints = {
      api: api.url,
      region,
      credentials: S3RVER_CREDENTIALS,
      cognito: { endpoint: idp.endpoint, userPoolId, clientId, issuer: idp.issuer },
      dynamodb: dynamodb.endpoint,
      s3: s3.endpoint,
      sns: sns.endpoint,
      sqs: sqs.endpoint,
      bucket: [...buckets.values()][0]!,
      tables: Object.fromEntries([...tableInfo].map(([id, t]) => [id, t.name])),
      topics: Object.fromEntries(topics),
      platformApplications: applications,
      dataDir,
      failuresDir,
      snsDeliveries: path.join(dataDir, 'sns', 'deliveries.jsonl'),
    };
    const file = await writeEndpoints(dataDir, endpoints);
    for (const r of routes)
      log.info(
        `route ${r.method.toUpperCase()} ${api.url}${r.path} -> ${r.functionName}${r.authorizer ? ' (authorizer)' : ''}`,
      );
    return {
      endpoints,
      stop: async () => {
        invocations.stopping();
        await stop();
        await rm(file, { force: true });
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Writes `<dataDir>/endpoints.json` (atomically: a temporary file, renamed); returns its path. */
async function writeEndpoints(dataDir: string, endpoints: Endpoints): Promise<string> {
  const file = path.join(dataDir, 'endpoints.json');
  await writeFile(`${file}.tmp`, JSON.stringify(endpoints, null, 2));
  await rename(`${file}.tmp`, file);
  return file;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function assertPortsFree(host: string, ports: Record<string, number>): Promise<void> {
  for (const [name, port] of Object.entries(ports)) {
    if (port === 0) continue;
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', () =>
        reject(
          new Error(
            `Port ${port} (${name}) on ${host} is in use: stop what uses it or set LOCAL_${name.toUpperCase()}_PORT to another port.`,
          ),
        ),
      );
      server.listen(port, host, () => server.close(() => resolve()));
    });
  }
}
