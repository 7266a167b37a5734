// The local SNS subset through the real AWS SDK client: platform endpoints on the stage's platform
// applications and pushes to them (served to developers at /_local/deliveries), topic publishing,
// the read calls an operator uses, and the refusals SNS answers.
import { readFile } from 'node:fs/promises';
import {
  CreatePlatformEndpointCommand,
  DeleteEndpointCommand,
  GetEndpointAttributesCommand,
  GetPlatformApplicationAttributesCommand,
  GetTopicAttributesCommand,
  ListEndpointsByPlatformApplicationCommand,
  ListPlatformApplicationsCommand,
  ListTopicsCommand,
  PublishCommand,
  SetEndpointAttributesCommand,
} from '@aws-sdk/client-sns';
import { clients } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const { sns } = clients(endpoints);
const app = (platform: string) => endpoints.platformApplications.find((a) => a.includes(`:app/${platform}/`))!;
const gcm = () => app('GCM');
const newToken = () => `device-${crypto.randomUUID()}`;

async function endpointFor(platformApp: string, token = newToken()): Promise<string> {
  const { EndpointArn } = await sns.send(
    new CreatePlatformEndpointCommand({ PlatformApplicationArn: platformApp, Token: token }),
  );
  return EndpointArn!;
}

async function deliveries(endpointArn?: string): Promise<Array<Record<string, unknown>>> {
  const query = endpointArn ? `?endpointArn=${encodeURIComponent(endpointArn)}` : '';
  const res = await fetch(`${endpoints.sns}/_local/deliveries${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Array<Record<string, unknown>>;
}

it('has the platform applications the stage configures, for APNs, the APNs sandbox and FCM', async () => {
  const { PlatformApplications = [] } = await sns.send(new ListPlatformApplicationsCommand({}));
  const arns = PlatformApplications.map((a) => a.PlatformApplicationArn);
  expect(arns.sort()).toEqual([...endpoints.platformApplications].sort());
  expect(arns.map((a) => a!.split(':').pop()!.split('/')[1]).sort()).toEqual(['APNS', 'APNS_SANDBOX', 'GCM']);
  const { Attributes } = await sns.send(new GetPlatformApplicationAttributesCommand({ PlatformApplicationArn: gcm() }));
  expect(Attributes).toMatchObject({ Enabled: 'true' });
});

it('creates one endpoint per device token, reads and changes its attributes, lists and deletes it', async () => {
  const token = newToken();
  const first = await sns.send(
    new CreatePlatformEndpointCommand({ PlatformApplicationArn: gcm(), Token: token, CustomUserData: 'user-1' }),
  );
  const again = await sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: gcm(), Token: token }));
  expect(first.EndpointArn).toMatch(/^arn:aws:sns:.+:endpoint\/GCM\/[\w.-]+\/[0-9a-f-]{36}$/);
  expect(again.EndpointArn).toBe(first.EndpointArn);
  // The same token with other attributes is refused, as SNS does.
  await expect(
    sns.send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn: gcm(), Token: token, CustomUserData: 'user-2' }),
    ),
  ).rejects.toMatchObject({
    name: 'InvalidParameterException',
    message: expect.stringContaining('different attributes'),
  });

  const attrs = await sns.send(new GetEndpointAttributesCommand({ EndpointArn: first.EndpointArn }));
  expect(attrs.Attributes).toMatchObject({ Enabled: 'true', Token: token, CustomUserData: 'user-1' });
  const listed = await sns.send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: gcm() }));
  expect(listed.Endpoints?.map((e) => e.EndpointArn)).toContain(first.EndpointArn);

  await sns.send(
    new SetEndpointAttributesCommand({ EndpointArn: first.EndpointArn, Attributes: { Enabled: 'false' } }),
  );
  await expect(sns.send(new PublishCommand({ TargetArn: first.EndpointArn, Message: 'hi' }))).rejects.toMatchObject({
    name: 'EndpointDisabledException',
  });

  await sns.send(new DeleteEndpointCommand({ EndpointArn: first.EndpointArn }));
  await expect(sns.send(new GetEndpointAttributesCommand({ EndpointArn: first.EndpointArn }))).rejects.toMatchObject({
    name: 'NotFoundException',
  });
  // Deleting it again succeeds, as in SNS.
  await sns.send(new DeleteEndpointCommand({ EndpointArn: first.EndpointArn }));
});

it('answers NotFound for a platform application, endpoint or topic that does not exist', async () => {
  const missingApp = gcm().replace(/[^/]+$/, 'no-such-app');
  await expect(
    sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: missingApp, Token: newToken() })),
  ).rejects.toMatchObject({ name: 'NotFoundException' });
  await expect(
    sns.send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: missingApp })),
  ).rejects.toMatchObject({ name: 'NotFoundException' });
  const missingEndpoint = `${gcm().replace(':app/', ':endpoint/')}/${crypto.randomUUID()}`;
  await expect(sns.send(new PublishCommand({ TargetArn: missingEndpoint, Message: 'hi' }))).rejects.toMatchObject({
    name: 'NotFoundException',
  });
  const missingTopic = `${endpoints.topics.UploadsTopic!}-no-such-topic`;
  await expect(sns.send(new PublishCommand({ TopicArn: missingTopic, Message: 'hi' }))).rejects.toMatchObject({
    name: 'NotFoundException',
  });
  await expect(sns.send(new GetTopicAttributesCommand({ TopicArn: missingTopic }))).rejects.toMatchObject({
    name: 'NotFoundException',
  });
});

it('delivers the entry for the endpoint platform of a JSON message, and refuses one without it or default', async () => {
  const fcmEndpoint = await endpointFor(gcm());
  const apnsEndpoint = await endpointFor(app('APNS'), 'ab'.repeat(32));
  const fcmPayload = {
    fcmV1Message: { message: { notification: { title: 'New picture' }, data: { contentId: 'c1' } } },
  };
  const apnsPayload = { aps: { alert: { title: 'New picture' }, badge: 1, 'thread-id': 'new-content' } };
  const message = JSON.stringify({
    default: 'New picture',
    GCM: JSON.stringify(fcmPayload),
    APNS: JSON.stringify(apnsPayload),
  });

  const toFcm = await sns.send(
    new PublishCommand({ TargetArn: fcmEndpoint, Message: message, MessageStructure: 'json' }),
  );
  const toApns = await sns.send(
    new PublishCommand({ TargetArn: apnsEndpoint, Message: message, MessageStructure: 'json' }),
  );
  expect(await deliveries(fcmEndpoint)).toEqual([
    expect.objectContaining({
      messageId: toFcm.MessageId,
      endpointArn: fcmEndpoint,
      platform: 'GCM',
      message: fcmPayload,
    }),
  ]);
  expect(await deliveries(apnsEndpoint)).toEqual([
    expect.objectContaining({ messageId: toApns.MessageId, platform: 'APNS', message: apnsPayload }),
  ]);
  // Also in the deliveries file, one JSON line per push.
  const lines = (await readFile(endpoints.snsDeliveries, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines).toContainEqual(expect.objectContaining({ messageId: toFcm.MessageId, message: fcmPayload }));

  // Only `default` and another platform's entry: the default goes out as it is.
  const defaultOnly = JSON.stringify({ default: 'Plain text', APNS: JSON.stringify(apnsPayload) });
  await sns.send(new PublishCommand({ TargetArn: fcmEndpoint, Message: defaultOnly, MessageStructure: 'json' }));
  expect((await deliveries(fcmEndpoint)).at(-1)).toMatchObject({ message: 'Plain text' });

  for (const bad of [JSON.stringify({ APNS: JSON.stringify(apnsPayload) }), 'not json']) {
    await expect(
      sns.send(new PublishCommand({ TargetArn: fcmEndpoint, Message: bad, MessageStructure: 'json' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  }
  expect(await deliveries(fcmEndpoint)).toHaveLength(2);
});

it('streams deliveries as Server-Sent Events as they happen', async () => {
  const endpointArn = await endpointFor(gcm());
  const abort = new AbortController();
  const res = await fetch(`${endpoints.sns}/_local/deliveries/stream?endpointArn=${encodeURIComponent(endpointArn)}`, {
    signal: abort.signal,
  });
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    await reader.read(); // the stream's opening comment: the server now watches
    const other = await endpointFor(gcm());
    await sns.send(new PublishCommand({ TargetArn: other, Message: 'not for this stream' }));
    const { MessageId } = await sns.send(new PublishCommand({ TargetArn: endpointArn, Message: 'hello' }));
    let text = '';
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const event = JSON.parse(text.split('\n\n')[0]!.replace(/^data: /, ''));
    expect(event).toMatchObject({ messageId: MessageId, endpointArn, message: 'hello' });
  } finally {
    abort.abort();
  }
});

it('disables an endpoint as APNs or FCM feedback would: its next Publish answers EndpointDisabled', async () => {
  const endpointArn = await endpointFor(gcm());
  const res = await fetch(`${endpoints.sns}/_local/endpoints/disable`, {
    method: 'POST',
    body: JSON.stringify({ endpointArn }),
  });
  expect(res.status).toBe(204);
  await expect(sns.send(new PublishCommand({ TargetArn: endpointArn, Message: 'hi' }))).rejects.toMatchObject({
    name: 'EndpointDisabledException',
  });
  const { Attributes } = await sns.send(new GetEndpointAttributesCommand({ EndpointArn: endpointArn }));
  expect(Attributes?.Enabled).toBe('false');

  const unknown = await fetch(`${endpoints.sns}/_local/endpoints/disable`, {
    method: 'POST',
    body: JSON.stringify({ endpointArn: `${endpointArn}-gone` }),
  });
  expect(unknown.status).toBe(404);
});

it('lists the topics, answers their attributes and Publish with a message id, and refuses a message without a target', async () => {
  const topic = endpoints.topics.UploadsTopic!;
  const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
  expect(Topics.map((t) => t.TopicArn)).toContain(topic);
  const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: topic }));
  expect(Attributes).toMatchObject({ TopicArn: topic, SubscriptionsConfirmed: '2' });
  const { MessageId } = await sns.send(
    new PublishCommand({ TopicArn: topic, Message: JSON.stringify({ Event: 's3:TestEvent' }) }),
  );
  expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
  await expect(sns.send(new PublishCommand({ Message: 'nowhere' }))).rejects.toMatchObject({
    name: 'InvalidParameterException',
  });
});
