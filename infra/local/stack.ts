import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  functionEnvironment,
  LOCAL_ACCOUNT_ID,
  loadServiceDefinition,
  pseudoParameters,
  resolveIntrinsics,
  resourcesOfType,
  type LocalValues,
} from './definition';
import { ensureTables, startDynamoDbLocal } from './dynamodb';
import { corsRules, startHttpApi, type Route } from './http-api';
import { LocalMetrics } from './metrics';
import { startIdentityProvider } from './identity';
import { localLog } from './log';
import { LocalLambda, type FunctionConfig } from './runtime';
import { S3RVER_CREDENTIALS, startS3, type BucketConfig } from './s3';
import { startSns } from './sns';
import { startStreamMapping, type StreamMapping } from './streams';

const log = localLog('stack');

// Development runs on Node 20; the deployed functions run on nodejs22.x. The SDK's notice about
// its future Node 22 requirement is known and would repeat in every execution environment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface StackOptions {
  root: string;
  dataDir: string;
  stage?: string;
  host?: string;
  ports?: Partial<Record<'api' | 'dynamodb' | 's3' | 'sns' | 'cognito', number>>;
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
  bucket: string;
  tables: Record<string, string>;
  topics: Record<string, string>;
  dataDir: string;
  failuresDir: string;
  snsDeliveries: string;
}

export interface RunningStack {
  endpoints: Endpoints;
  stop(): Promise<void>;
}

export const DEFAULT_PORTS = { api: 3000, dynamodb: 8000, s3: 4569, sns: 9911, cognito: 9229 };

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
    const definition = await loadServiceDefinition(options.root, stage);
    const region = definition.provider.region;
    const pseudo = pseudoParameters(region);
    const staticValues: LocalValues = { ref: () => undefined, getAtt: () => undefined };
    const literal = (value: unknown) => resolveIntrinsics(value, staticValues, pseudo);

    // DynamoDB Local with the tables of the definition.
    const dynamoStarted = Date.now();
    const dynamodb = await startDynamoDbLocal({ port: ports.dynamodb, dataDir: path.join(dataDir, 'dynamodb'), host });
    stops.push(() => dynamodb.stop());
    const ddb = new DynamoDBClient({ endpoint: dynamodb.endpoint, region, credentials: S3RVER_CREDENTIALS });
    const tables = resourcesOfType(definition, 'AWS::DynamoDB::Table').map(
      ([id, r]) => [id, literal(r.Properties) as Record<string, any>] as const,
    );
    await ensureTables(
      ddb,
      tables.map(([, p]) => p as never),
    );
    const tableInfo = new Map<string, { name: string; arn: string; streamArn?: string }>();
    for (const [id, props] of tables) {
      const out = await ddb.send(new DescribeTableCommand({ TableName: props.TableName }));
      tableInfo.set(id, { name: props.TableName, arn: out.Table!.TableArn!, streamArn: out.Table!.LatestStreamArn });
    }
    log.info(
      `DynamoDB Local on ${dynamodb.endpoint} (${Date.now() - dynamoStarted} ms), tables: ${[...tableInfo.values()].map((t) => t.name).join(', ')}`,
    );

    // Names of the other resources.
    const topics = new Map(
      resourcesOfType(definition, 'AWS::SNS::Topic').map(([id, r]) => [
        id,
        `arn:aws:sns:${region}:${LOCAL_ACCOUNT_ID}:${literal(r.Properties?.TopicName) ?? id}`,
      ]),
    );
    const queues = new Map(
      resourcesOfType(definition, 'AWS::SQS::Queue').map(([id, r]) => [
        id,
        String(literal(r.Properties?.QueueName) ?? id),
      ]),
    );
    const buckets = new Map(
      resourcesOfType(definition, 'AWS::S3::Bucket').map(([id, r]) => [
        id,
        String(literal(r.Properties?.BucketName) ?? id.toLowerCase()),
      ]),
    );
    const pools = resourcesOfType(definition, 'AWS::Cognito::UserPool');
    const clients = resourcesOfType(definition, 'AWS::Cognito::UserPoolClient');
    if (pools.length !== 1 || clients.length !== 1)
      throw new Error('The local identity provider serves exactly one user pool with one app client.');
    const userPoolId = `${region}_localpool`;
    const clientId = 'localappclient0000000000000';

    const idp = await startIdentityProvider({
      port: ports.cognito,
      host,
      dataDir: path.join(dataDir, 'cognito'),
      userPoolId,
      clientId,
      region,
    });
    stops.push(() => idp.close());

    const values: LocalValues = {
      ref(id) {
        if (tableInfo.has(id)) return tableInfo.get(id)!.name;
        if (topics.has(id)) return topics.get(id);
        if (queues.has(id)) return `http://sqs.local/${LOCAL_ACCOUNT_ID}/${queues.get(id)}`;
        if (buckets.has(id)) return buckets.get(id);
        if (id === pools[0]![0]) return userPoolId;
        if (id === clients[0]![0]) return clientId;
        return undefined;
      },
      getAtt(id, attr) {
        const table = tableInfo.get(id);
        if (table && attr === 'Arn') return table.arn;
        if (table && attr === 'StreamArn') return table.streamArn;
        if (queues.has(id) && attr === 'Arn') return `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${queues.get(id)}`;
        if (queues.has(id) && attr === 'QueueName') return queues.get(id);
        if (buckets.has(id) && attr === 'Arn') return `arn:aws:s3:::${buckets.get(id)}`;
        if (topics.has(id) && attr === 'TopicName') return topics.get(id)!.split(':').pop();
        if (id === pools[0]![0] && attr === 'ProviderURL') return idp.issuer;
        if (id === pools[0]![0] && attr === 'UserPoolId') return userPoolId;
        if (id === pools[0]![0] && attr === 'Arn')
          return `arn:aws:cognito-idp:${region}:${LOCAL_ACCOUNT_ID}:userpool/${userPoolId}`;
        return undefined;
      },
    };

    // Functions.
    const snsPort = ports.sns === 0 ? await freePort(host) : ports.sns;
    const s3Port = ports.s3 === 0 ? await freePort(host) : ports.s3;
    const snsEndpoint = `http://${host}:${snsPort}`;
    const s3Endpoint = `http://${host}:${s3Port}`;
    const functions = new Map<string, FunctionConfig>();
    for (const [name, fn] of Object.entries(definition.functions)) {
      const environment = {
        ...functionEnvironment(definition, fn, values),
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_LAMBDA_FUNCTION_NAME: fn.name ?? `${definition.service}-${stage}-${name}`,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize ?? definition.provider.memorySize ?? 1024),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        // The SDK's own endpoint variables: function code has no local branches.
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamodb.endpoint,
        AWS_ENDPOINT_URL_S3: s3Endpoint,
        AWS_ENDPOINT_URL_SNS: snsEndpoint,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: idp.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_DEV: process.env.POWERTOOLS_DEV ?? 'false',
        TZ: 'UTC',
      };
      functions.set(name, {
        name,
        handler: fn.handler,
        timeoutSeconds: fn.timeout ?? definition.provider.timeout ?? 6,
        memorySize: fn.memorySize ?? definition.provider.memorySize ?? 1024,
        environment,
      });
    }
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
    const retryDelays = options.asyncRetryDelaysMs ?? [1000, 2000];
    let stopping = false;
    const asyncDestination = (name: string): string | undefined => {
      const fn = definition.functions[name]!;
      const arn = (fn as { destinations?: { onFailure?: unknown } }).destinations?.onFailure;
      const value = arn && typeof arn === 'object' && 'arn' in arn ? (arn as { arn: unknown }).arn : arn;
      return value
        ? String(resolveIntrinsics(value, values, pseudo))
            .split(':')
            .pop()
        : undefined;
    };
    // Asynchronous events still being handled (including retries), for GET /_local/async-idle.
    // `completed` counts the events that ended (handled, or given up after their retries): a
    // waiter sees from it that the stack is getting through a queue, however long.
    let inflight = 0;
    let completed = 0;
    const idleWaiters: Array<() => void> = [];
    const asyncDone = () => {
      inflight--;
      completed++;
      if (inflight === 0) for (const w of idleWaiters.splice(0)) w();
    };
    const invokeAsync = (name: string, event: unknown) => {
      inflight++;
      const retries = Math.min(
        retryDelays.length,
        (definition.functions[name] as { maximumRetryAttempts?: number }).maximumRetryAttempts ?? 2,
      );
      void (async () => {
        try {
          await deliverAsync(name, event, retries);
        } finally {
          asyncDone();
        }
      })();
    };
    const deliverAsync = async (name: string, event: unknown, retries: number) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await lambda.invoke(name, event);
          return;
        } catch (error) {
          if (stopping) return;
          if (attempt >= retries) {
            const destination = asyncDestination(name);
            if (!destination) {
              log.warn(`${name}: event dropped after ${attempt + 1} attempts (no on-failure destination)`);
              return;
            }
            // What Lambda sends to an asynchronous invocation's on-failure destination.
            const record = {
              version: '1.0',
              timestamp: new Date().toISOString(),
              requestContext: {
                requestId: randomUUID(),
                functionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${name}:$LATEST`,
                condition: 'RetriesExhausted',
                approximateInvokeCount: attempt + 1,
              },
              requestPayload: event,
              responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
              responsePayload: { errorType: (error as Error).name, errorMessage: (error as Error).message },
            };
            const file = path.join(failuresDir, `${destination}.jsonl`);
            await appendFile(file, `${JSON.stringify(record)}\n`);
            log.warn(`${name}: event failed ${attempt + 1} times; sent to on-failure destination ${file}`);
            return;
          }
          await new Promise((r) => setTimeout(r, retryDelays[attempt]));
        }
      }
    };

    // SNS with the functions' sns subscriptions.
    const subscriptions = Object.entries(definition.functions).flatMap(([name, fn]) =>
      (fn.events ?? []).flatMap((e) => {
        const sns = e.sns as { arn?: unknown; topicName?: string } | string | undefined;
        if (!sns) return [];
        const arn =
          typeof sns === 'string'
            ? sns
            : sns.arn
              ? String(resolveIntrinsics(sns.arn, values, pseudo))
              : `arn:aws:sns:${region}:${LOCAL_ACCOUNT_ID}:${sns.topicName}`;
        return [
          {
            topicArn: arn.startsWith('arn:') ? arn : `arn:aws:sns:${region}:${LOCAL_ACCOUNT_ID}:${arn}`,
            functionName: name,
          },
        ];
      }),
    );
    const sns = await startSns({
      port: snsPort,
      host,
      region,
      accountId: LOCAL_ACCOUNT_ID,
      dataDir,
      subscriptions,
      invokeAsync,
    });
    stops.push(() => sns.close());

    // S3 with the bucket's CORS and notifications.
    const bucketConfigs: BucketConfig[] = resourcesOfType(definition, 'AWS::S3::Bucket').map(([id, r]) => ({
      name: buckets.get(id)!,
      cors: r.Properties?.CorsConfiguration?.CorsRules,
      notifications: resolveIntrinsics(
        r.Properties?.NotificationConfiguration ?? {},
        values,
        pseudo,
      ) as BucketConfig['notifications'],
    }));
    const s3 = await startS3({
      port: s3Port,
      host,
      dataDir: path.join(dataDir, 's3'),
      region,
      buckets: bucketConfigs,
      toTopic: (arn, message) => sns.publish(arn, message, 'Amazon S3 Notification'),
      toFunction: (arn, event) => invokeAsync(arn.split(':').pop()!, event),
    });
    stops.push(() => s3.close());

    // DynamoDB stream mappings.
    const mappings: StreamMapping[] = [];
    for (const [name, fn] of Object.entries(definition.functions)) {
      for (const e of fn.events ?? []) {
        const stream = e.stream as Record<string, any> | undefined;
        if (!stream) continue;
        const tableId = Array.isArray(stream.arn?.['Fn::GetAtt']) ? stream.arn['Fn::GetAtt'][0] : undefined;
        const table = tableId ? tableInfo.get(tableId) : undefined;
        if (!table)
          throw new Error(`${name}: stream source must be !GetAtt <Table>.StreamArn of a table in this service`);
        const onFailureArn = stream.destinations?.onFailure?.arn
          ? String(resolveIntrinsics(stream.destinations.onFailure.arn, values, pseudo))
          : undefined;
        mappings.push(
          await startStreamMapping({
            config: {
              functionName: name,
              tableName: table.name,
              batchSize: stream.batchSize ?? 100,
              startingPosition: stream.startingPosition ?? 'TRIM_HORIZON',
              maximumRetryAttempts: stream.maximumRetryAttempts ?? -1,
              bisectBatchOnFunctionError: stream.bisectBatchOnFunctionError === true,
              reportBatchItemFailures: stream.functionResponseType === 'ReportBatchItemFailures',
              ...(onFailureArn ? { onFailure: { arn: onFailureArn, name: onFailureArn.split(':').pop()! } } : {}),
            },
            dynamodbEndpoint: dynamodb.endpoint,
            region,
            invoke: (event) => lambda.invoke(name, event),
            stateDir: path.join(dataDir, 'streams'),
            failuresDir,
          }),
        );
      }
    }
    stops.push(async () => {
      await Promise.all(mappings.map((m) => m.stop()));
    });

    // HTTP API.
    const authorizers = definition.provider.httpApi?.authorizers ?? {};
    const routes: Route[] = Object.entries(definition.functions).flatMap(([name, fn]) =>
      (fn.events ?? []).flatMap((e) => {
        const ev = e.httpApi as { method: string; path: string; authorizer?: { name: string } } | string | undefined;
        if (!ev) return [];
        const [method, routePath] = typeof ev === 'string' ? ev.split(' ') : [ev.method, ev.path];
        const authName = typeof ev === 'object' ? ev.authorizer?.name : undefined;
        const authorizer = authName ? authorizers[authName] : undefined;
        if (authName && !authorizer) throw new Error(`${name}: unknown authorizer ${authName}`);
        return [
          {
            method: method!,
            path: routePath!,
            functionName: name,
            ...(authorizer ? { authorizer: { ...authorizer, name: authName! } } : {}),
          },
        ];
      }),
    );
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
        'async-idle': async (url) => {
          const timeoutMs = Math.min(Number(url.searchParams.get('timeoutMs') ?? 30_000), 120_000);
          if (inflight === 0) return { idle: true, inflight, completed };
          let timer: NodeJS.Timeout | undefined;
          const idle = await Promise.race([
            new Promise<boolean>((resolve) => idleWaiters.push(() => resolve(true))),
            new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
          ]);
          clearTimeout(timer);
          return { idle, inflight, completed };
        },
      },
    });
    stops.push(async () => {
      stopping = true;
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
      bucket: [...buckets.values()][0]!,
      tables: Object.fromEntries([...tableInfo].map(([id, t]) => [id, t.name])),
      topics: Object.fromEntries(topics),
      dataDir,
      failuresDir,
      snsDeliveries: path.join(dataDir, 'sns', 'deliveries.jsonl'),
    };
    const file = path.join(dataDir, 'endpoints.json');
    await writeFile(`${file}.tmp`, JSON.stringify(endpoints, null, 2));
    await rename(`${file}.tmp`, file);
    for (const r of routes)
      log.info(
        `route ${r.method.toUpperCase()} ${api.url}${r.path} -> ${r.functionName}${r.authorizer ? ' (authorizer)' : ''}`,
      );
    return {
      endpoints,
      stop: async () => {
        stopping = true;
        await stop();
        await rm(file, { force: true });
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
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
