import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
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

export interface LocalSns {
  endpoint: string;
  /** Publishes to a topic as SNS would (used for S3 -> topic notifications too). */
  publish(topicArn: string, message: string, subject?: string): string;
  close(): Promise<void>;
}

/**
 * The subset of SNS the functions use, over SNS's own Query protocol so the AWS SDK talks to it
 * unchanged: Publish (to a topic, or to a platform endpoint = a mobile push), CreatePlatformEndpoint,
 * Get/SetEndpointAttributes and DeleteEndpoint. Topic messages reach the subscribed functions in
 * SNS's Lambda event shape; pushes to devices are appended to `deliveries.jsonl` so a developer can
 * see what a phone would have received. No npm emulator covers platform endpoints, hence this file.
 */
export async function startSns(options: SnsOptions): Promise<LocalSns> {
  const dir = path.join(options.dataDir, 'sns');
  await mkdir(dir, { recursive: true });
  const endpointsFile = path.join(dir, 'endpoints.json');
  const deliveriesFile = path.join(dir, 'deliveries.jsonl');
  const endpoints = new Map<string, Endpoint>(
    Object.entries(JSON.parse(await readFile(endpointsFile, 'utf8').catch(() => '{}')) as Record<string, Endpoint>),
  );
  const saveEndpoints = async () => {
    const tmp = `${endpointsFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(Object.fromEntries(endpoints), null, 2));
    await rename(tmp, endpointsFile);
  };

  const publish = (topicArn: string, message: string, subject?: string): string => {
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
        const messageId = randomUUID();
        await appendFile(
          deliveriesFile,
          `${JSON.stringify({ messageId, at: new Date().toISOString(), endpointArn: targetArn, token: endpoint.token, messageStructure: p.get('MessageStructure') ?? undefined, message })}\n`,
        );
        log.info(`push to ${targetArn} (${message.length} bytes) -> ${deliveriesFile}`);
        return { MessageId: messageId };
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
      // Like SNS: the same token on the same application returns the existing endpoint.
      const existing = [...endpoints.values()].find((e) => e.platformApplicationArn === app && e.token === token);
      if (existing) return { EndpointArn: existing.arn };
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
      return { Attributes: { entry: Object.entries(endpoint.attributes).map(([key, value]) => ({ key, value })) } };
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
      endpoints.delete(p.get('EndpointArn') ?? '');
      await saveEndpoints();
      return {};
    },
  };

  const server = http.createServer(async (req, res) => {
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
