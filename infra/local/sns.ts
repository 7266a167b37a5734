import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { jsonFileWriter } from './json-file';
import { localLog } from './log';

const log = localLog('sns');

interface Subscription {
  topicArn: string;
  functionName: string;
}

export interface SnsOptions {
  port: number;
  host: string;
  region: string;
  accountId: string;
  dataDir: string;
  /** The topics that exist: Publish to any other answers NotFound, as SNS does. */
  topics: string[];
  /**
   * The platform applications that exist (`arn:aws:sns:{region}:{account}:app/{APNS|APNS_SANDBOX|GCM}/{name}`).
   * In AWS an operator creates them with Apple's or Google's credentials; locally they are the ones
   * the stage's functions are configured with.
   */
  platformApplications: string[];
  subscriptions: Subscription[];
  /** Invokes a function asynchronously (the stack adds Lambda's retries for async events). */
  invokeAsync(functionName: string, event: unknown): void;
}

interface Endpoint {
  arn: string;
  platformApplicationArn: string;
  token: string;
  attributes: Record<string, string>;
}

/** A push as a device would have received it: the platform's payload (parsed when it is JSON). */
interface Delivery {
  messageId: string;
  at: string;
  endpointArn: string;
  /** APNS, APNS_SANDBOX or GCM (FCM), from the endpoint's platform application. */
  platform: string;
  token: string;
  message: unknown;
}

export interface LocalSns {
  endpoint: string;
  /** Publishes to a topic as SNS would (used for S3 -> topic notifications too). */
  publish(topicArn: string, message: string, subject?: string): string;
  close(): Promise<void>;
}

/**
 * The subset of SNS the functions and an operator use, over SNS's own Query protocol so the AWS SDK
 * and the AWS CLI talk to it unchanged: Publish (to a topic, or to a platform endpoint = a mobile
 * push), CreatePlatformEndpoint, Get/SetEndpointAttributes, DeleteEndpoint, and the read calls
 * ListTopics, GetTopicAttributes, ListPlatformApplications, GetPlatformApplicationAttributes and
 * ListEndpointsByPlatformApplication. Like SNS it answers NotFound for a topic, platform application
 * or endpoint that does not exist, EndpointDisabled for a disabled endpoint, and refuses a JSON
 * message without an entry for `default` or the endpoint's platform. Topic messages reach the
 * subscribed functions in SNS's Lambda event shape. Pushes to devices are kept (`deliveries.jsonl`)
 * and served to developers and tests, outside SNS's API:
 * - `GET /_local/deliveries[?endpointArn=]`: every push so far, oldest first;
 * - `GET /_local/deliveries/stream[?endpointArn=]`: the same as Server-Sent Events, as they happen;
 * - `POST /_local/endpoints/disable {"endpointArn"}`: the endpoint is disabled, as SNS does when
 *   APNs or FCM reports a token gone; its next Publish answers EndpointDisabled.
 * No npm emulator covers platform endpoints, hence this file.
 */
export async function startSns(options: SnsOptions): Promise<LocalSns> {
  const dir = path.join(options.dataDir, 'sns');
  await mkdir(dir, { recursive: true });
  const endpointsFile = path.join(dir, 'endpoints.json');
  const deliveriesFile = path.join(dir, 'deliveries.jsonl');
  const endpoints = new Map<string, Endpoint>(
    Object.entries(JSON.parse(await readFile(endpointsFile, 'utf8').catch(() => '{}')) as Record<string, Endpoint>),
  );
  const topics = new Set(options.topics);
  const applications = new Set(options.platformApplications);
  const deliveries: Delivery[] = (await readFile(deliveriesFile, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Delivery);
  const watchers = new Set<{ endpointArn: string | null; send: (d: Delivery) => void }>();
  const saveEndpoints = jsonFileWriter(endpointsFile, () => Object.fromEntries(endpoints));

  const publish = (topicArn: string, message: string, subject?: string): string => {
    if (!topics.has(topicArn)) throw new SnsError('NotFound', 'Topic does not exist', 404);
    const messageId = randomUUID();
    const targets = options.subscriptions.filter((s) => s.topicArn === topicArn);
    for (const sub of targets) {
      const event = {
        Records: [
          {
            EventSource: 'aws:sns',
            EventVersion: '1.0',
            EventSubscriptionArn: `${topicArn}:${sub.functionName}`,
            Sns: {
              Type: 'Notification',
              MessageId: messageId,
              TopicArn: topicArn,
              Subject: subject ?? null,
              Message: message,
              Timestamp: new Date().toISOString(),
              SignatureVersion: '1',
              Signature: 'local',
              SigningCertUrl: '',
              UnsubscribeUrl: '',
              MessageAttributes: {},
            },
          },
        ],
      };
      options.invokeAsync(sub.functionName, event);
    }
    if (!targets.length) log.warn(`message to ${topicArn} has no subscriber`);
    return messageId;
  };

  const actions: Record<string, (p: URLSearchParams) => Promise<Record<string, unknown>>> = {
    async Publish(p) {
      const message = p.get('Message');
      if (!message) throw new SnsError('InvalidParameter', 'Invalid parameter: Message');
      const topicArn = p.get('TopicArn');
      const targetArn = p.get('TargetArn');
      if (topicArn) return { MessageId: publish(topicArn, message, p.get('Subject') ?? undefined) };
      if (targetArn) {
        const endpoint = endpoints.get(targetArn);
        if (!endpoint) throw new SnsError('NotFound', 'Endpoint does not exist', 404);
        if (endpoint.attributes.Enabled === 'false') throw new SnsError('EndpointDisabled', 'Endpoint is disabled');
        const platform = platformOf(endpoint.platformApplicationArn);
        const delivery: Delivery = {
          messageId: randomUUID(),
          at: new Date().toISOString(),
          endpointArn: targetArn,
          platform,
          token: endpoint.token,
          message: payloadFor(platform, message, p.get('MessageStructure')),
        };
        deliveries.push(delivery);
        await appendFile(deliveriesFile, `${JSON.stringify(delivery)}\n`);
        for (const w of watchers) if (w.endpointArn === null || w.endpointArn === targetArn) w.send(delivery);
        log.info(`push to ${targetArn} (${message.length} bytes)`);
        return { MessageId: delivery.messageId };
      }
      throw new SnsError(
        'InvalidParameter',
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    },
    async CreatePlatformEndpoint(p) {
      const app = p.get('PlatformApplicationArn');
      const token = p.get('Token');
      if (!app || !token)
        throw new SnsError('InvalidParameter', 'Invalid parameter: PlatformApplicationArn and Token are required');
      if (!applications.has(app)) throw new SnsError('NotFound', 'PlatformApplication does not exist', 404);
      // Like SNS: the same token on the same application returns the existing endpoint, unless
      // the call names other attributes (CustomUserData included).
      const existing = [...endpoints.values()].find((e) => e.platformApplicationArn === app && e.token === token);
      if (existing) {
        const asked = attributesFrom(p);
        if (Object.entries(asked).some(([k, v]) => (existing.attributes[k] ?? '') !== v))
          throw new SnsError(
            'InvalidParameter',
            `Invalid parameter: Token Reason: Endpoint ${existing.arn} already exists with the same Token, but different attributes.`,
          );
        return { EndpointArn: existing.arn };
      }
      // app/GCM/name -> endpoint/GCM/name/<id>, as SNS names them.
      const appPath = (app.split(':').pop() ?? 'app').replace(/^app\//, '');
      const arn = `arn:aws:sns:${options.region}:${options.accountId}:endpoint/${appPath}/${randomUUID()}`;
      endpoints.set(arn, {
        arn,
        platformApplicationArn: app,
        token,
        attributes: { Enabled: 'true', Token: token, ...attributesFrom(p) },
      });
      await saveEndpoints();
      return { EndpointArn: arn };
    },
    async GetEndpointAttributes(p) {
      const endpoint = endpoints.get(p.get('EndpointArn') ?? '');
      if (!endpoint) throw new SnsError('NotFound', 'Endpoint does not exist', 404);
      return { Attributes: entries(endpoint.attributes) };
    },
    async SetEndpointAttributes(p) {
      const endpoint = endpoints.get(p.get('EndpointArn') ?? '');
      if (!endpoint) throw new SnsError('NotFound', 'Endpoint does not exist', 404);
      Object.assign(endpoint.attributes, attributesFrom(p));
      if (endpoint.attributes.Token) endpoint.token = endpoint.attributes.Token;
      await saveEndpoints();
      return {};
    },
    async DeleteEndpoint(p) {
      // Deleting an endpoint that does not exist succeeds, as in SNS.
      endpoints.delete(p.get('EndpointArn') ?? '');
      await saveEndpoints();
      return {};
    },
    async ListTopics() {
      return { Topics: { member: [...topics].map((TopicArn) => ({ TopicArn })) } };
    },
    async GetTopicAttributes(p) {
      const arn = p.get('TopicArn') ?? '';
      if (!topics.has(arn)) throw new SnsError('NotFound', 'Topic does not exist', 404);
      const subscribers = options.subscriptions.filter((s) => s.topicArn === arn).length;
      return {
        Attributes: entries({
          TopicArn: arn,
          Owner: options.accountId,
          DisplayName: '',
          SubscriptionsConfirmed: String(subscribers),
          SubscriptionsPending: '0',
          SubscriptionsDeleted: '0',
        }),
      };
    },
    async ListPlatformApplications() {
      return {
        PlatformApplications: {
          member: [...applications].map((arn) => ({
            PlatformApplicationArn: arn,
            Attributes: entries({ Enabled: 'true' }),
          })),
        },
      };
    },
    async GetPlatformApplicationAttributes(p) {
      if (!applications.has(p.get('PlatformApplicationArn') ?? ''))
        throw new SnsError('NotFound', 'PlatformApplication does not exist', 404);
      return { Attributes: entries({ Enabled: 'true' }) };
    },
    async ListEndpointsByPlatformApplication(p) {
      const app = p.get('PlatformApplicationArn') ?? '';
      if (!applications.has(app)) throw new SnsError('NotFound', 'PlatformApplication does not exist', 404);
      return {
        Endpoints: {
          member: [...endpoints.values()]
            .filter((e) => e.platformApplicationArn === app)
            .map((e) => ({ EndpointArn: e.arn, Attributes: entries(e.attributes) })),
        },
      };
    },
  };

  /** The developer's side, outside SNS's API: what was pushed, live, and APNs/FCM feedback. */
  const local = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const endpointArn = url.searchParams.get('endpointArn');
    if (req.method === 'GET' && url.pathname === '/_local/deliveries') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(deliveries.filter((d) => endpointArn === null || d.endpointArn === endpointArn)));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/_local/deliveries/stream') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(': deliveries as they happen\n\n');
      const watcher = { endpointArn, send: (d: Delivery) => res.write(`data: ${JSON.stringify(d)}\n\n`) };
      watchers.add(watcher);
      req.on('close', () => watchers.delete(watcher));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/_local/endpoints/disable') {
      const body = await readLocalBody(req);
      const arn = typeof body?.endpointArn === 'string' ? body.endpointArn : '';
      const endpoint = endpoints.get(arn);
      if (!endpoint) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ message: `No endpoint ${arn || '(endpointArn missing)'}: pass {"endpointArn": "..."}.` }),
        );
        return;
      }
      endpoint.attributes.Enabled = 'false';
      await saveEndpoints();
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        message: 'Local routes: GET /_local/deliveries, GET /_local/deliveries/stream, POST /_local/endpoints/disable.',
      }),
    );
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname.startsWith('/_local/')) {
      await local(req, res, url).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: error.message }));
      });
      return;
    }
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const action = params.get('Action') ?? '';
    try {
      const handler = actions[action];
      if (!handler)
        throw new SnsError(
          'InvalidAction',
          `The action ${action} is not valid for this endpoint (local SNS implements ${Object.keys(actions).join(', ')}).`,
        );
      const result = await handler(params);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<${action}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><${action}Result>${toXml(result)}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (error) {
      const e = error instanceof SnsError ? error : new SnsError('InternalError', (error as Error).message, 500);
      res.writeHead(e.status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${options.host}:${port}`,
    publish,
    close: () =>
      new Promise<void>((resolve) => {
        watchers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class SnsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The platform of an application ARN (`...:app/APNS/name` -> APNS); FCM applications are GCM in SNS. */
function platformOf(applicationArn: string): string {
  return applicationArn.split(':').pop()?.split('/')[1] ?? '';
}

/**
 * What the device receives from a Publish to its endpoint. With MessageStructure=json, SNS takes
 * the entry for the endpoint's platform, else `default`, and refuses a message with neither; the
 * platform's entry is itself a JSON string (APNs' `aps`, FCM's `fcmV1Message`).
 */
function payloadFor(platform: string, message: string, structure: string | null): unknown {
  if (structure !== 'json') return message;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw new SnsError('InvalidParameter', 'Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  const byPlatform = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const entry = byPlatform[platform] ?? byPlatform.default;
  if (typeof entry !== 'string')
    throw new SnsError(
      'InvalidParameter',
      `Invalid parameter: JSON must contain an entry for 'default' or '${platform}'.`,
    );
  if (!(platform in byPlatform)) return entry;
  try {
    return JSON.parse(entry);
  } catch {
    throw new SnsError('InvalidParameter', `Invalid parameter: Message Structure - the ${platform} entry is not JSON`);
  }
}

/** A map as the Query protocol returns it (`<entry><key/><value/></entry>`). */
function entries(map: Record<string, string>): { entry: { key: string; value: string }[] } {
  return { entry: Object.entries(map).map(([key, value]) => ({ key, value })) };
}

async function readLocalBody(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('Body too large (64 KB at most).');
    chunks.push(chunk as Buffer);
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    throw new Error('The body must be JSON: {"endpointArn": "..."}.');
  }
}

/** Attributes.entry.N.key / Attributes.entry.N.value, as the Query protocol sends a map. */
function attributesFrom(p: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of p) {
    const m = /^Attributes\.entry\.(\d+)\.key$/.exec(name);
    if (m) out[value] = p.get(`Attributes.entry.${m[1]}.value`) ?? '';
  }
  const custom = p.get('CustomUserData');
  if (custom !== null) out.CustomUserData = custom;
  return out;
}

function toXml(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) =>
        Array.isArray(v) ? v.map((item) => `<${k}>${toXml(item)}</${k}>`).join('') : `<${k}>${toXml(v)}</${k}>`,
      )
      .join('');
  }
  return escapeXml(String(value));
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}
