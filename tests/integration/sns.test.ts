// The local SNS subset through the real AWS SDK client: platform endpoints and pushes to them
// (recorded where a developer can read them), and topic publishing.
import { readFile } from 'node:fs/promises';
import {
  CreatePlatformEndpointCommand,
  DeleteEndpointCommand,
  GetEndpointAttributesCommand,
  PublishCommand,
  SetEndpointAttributesCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const sns = new SNSClient({ endpoint: endpoints.sns, region: endpoints.region, credentials: endpoints.credentials });
const app = `arn:aws:sns:${endpoints.region}:000000000000:app/GCM/media-share-test`;

it('creates one endpoint per device token, reads and changes its attributes, and deletes it', async () => {
  const token = `device-${crypto.randomUUID()}`;
  const first = await sns.send(
    new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: token, CustomUserData: 'user-1' }),
  );
  const again = await sns.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: token }));
  expect(first.EndpointArn).toMatch(/^arn:aws:sns:.+:endpoint\/GCM\/media-share-test\//);
  expect(again.EndpointArn).toBe(first.EndpointArn);

  const attrs = await sns.send(new GetEndpointAttributesCommand({ EndpointArn: first.EndpointArn }));
  expect(attrs.Attributes).toMatchObject({ Enabled: 'true', Token: token, CustomUserData: 'user-1' });

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
});

it('records a push to an endpoint in the deliveries file', async () => {
  const token = `device-${crypto.randomUUID()}`;
  const { EndpointArn } = await sns.send(
    new CreatePlatformEndpointCommand({ PlatformApplicationArn: app, Token: token }),
  );
  const message = JSON.stringify({
    default: 'New picture',
    GCM: JSON.stringify({ notification: { title: 'New picture' } }),
  });
  const { MessageId } = await sns.send(
    new PublishCommand({ TargetArn: EndpointArn, Message: message, MessageStructure: 'json' }),
  );
  const lines = (await readFile(endpoints.snsDeliveries, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines).toContainEqual(
    expect.objectContaining({
      messageId: MessageId,
      endpointArn: EndpointArn,
      token,
      message,
      messageStructure: 'json',
    }),
  );
});

it('answers Publish to a topic with a message id, and refuses a message without a target', async () => {
  const topic = endpoints.topics.UploadsTopic!;
  const { MessageId } = await sns.send(
    new PublishCommand({ TopicArn: topic, Message: JSON.stringify({ Event: 's3:TestEvent' }) }),
  );
  expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
  await expect(sns.send(new PublishCommand({ Message: 'nowhere' }))).rejects.toMatchObject({
    name: 'InvalidParameterException',
  });
});
