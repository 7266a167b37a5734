// Devices through the HTTP API of the real local stack, checked against the local SNS with the AWS
// SDK: one platform endpoint per token on the stage's platform application, idempotent, moving with
// its token to another user, re-enabled after SNS disabled it, deleted by its owner only.
import {
  GetEndpointAttributesCommand,
  ListEndpointsByPlatformApplicationCommand,
  NotFoundException,
} from '@aws-sdk/client-sns';
import { api, signUp, type Session } from '../../scripts/lib/client';
import { clients } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();
const { sns } = clients(endpoints);
const fcmApp = endpoints.platformApplications.find((a) => a.includes(':app/GCM/'))!;
const apnsSandboxApp = endpoints.platformApplications.find((a) => a.includes(':app/APNS_SANDBOX/'))!;

const register = (s: Session, body: unknown) => api(endpoints, 'POST', '/devices', { token: s.accessToken, body });
const list = async (s: Session) => (await api(endpoints, 'GET', '/devices', { token: s.accessToken })).body.items;
const fcmToken = () => `fcm-${crypto.randomUUID()}-${crypto.randomUUID()}`.replace(/-/g, '_');
const endpointsOf = async (app: string) =>
  (
    (await sns.send(new ListEndpointsByPlatformApplicationCommand({ PlatformApplicationArn: app }))).Endpoints ?? []
  ).map((e) => ({ arn: e.EndpointArn, token: e.Attributes?.Token, enabled: e.Attributes?.Enabled }));

let ana: Session;
let ben: Session;
beforeAll(async () => {
  ana = await signUp(endpoints, `devices-ana-${Date.now()}@example.com`, 'devices-pass-42');
  ben = await signUp(endpoints, `devices-ben-${Date.now()}@example.com`, 'devices-pass-42');
});

it('registers a device as an endpoint of the platform application, once per token', async () => {
  const token = fcmToken();
  const first = await register(ana, { platform: 'FCM', token });
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  expect(first.body).toEqual({
    deviceId: expect.stringMatching(/^[\w-]{32}$/),
    platform: 'FCM',
    endpointArn: expect.stringContaining(':endpoint/GCM/'),
    createdAt: expect.any(String),
  });
  const again = await register(ana, { platform: 'FCM', token });
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body);
  expect((await endpointsOf(fcmApp)).filter((e) => e.token === token)).toEqual([
    { arn: first.body.endpointArn, token, enabled: 'true' },
  ]);
  expect(await list(ana)).toContainEqual(first.body);

  const apns = await register(ana, { platform: 'APNS_SANDBOX', token: 'cd'.repeat(32) });
  expect(apns.status).toBe(201);
  expect((await endpointsOf(apnsSandboxApp)).map((e) => e.arn)).toContain(apns.body.endpointArn);
});

it('moves a token that another user registers to that user', async () => {
  const token = fcmToken();
  const anas = await register(ana, { platform: 'FCM', token });
  const bens = await register(ben, { platform: 'FCM', token });
  expect(bens.status).toBe(201);
  expect(bens.body.deviceId).toBe(anas.body.deviceId);
  expect(bens.body.endpointArn).toBe(anas.body.endpointArn);
  expect((await list(ana)).map((d: { deviceId: string }) => d.deviceId)).not.toContain(anas.body.deviceId);
  expect((await list(ben)).map((d: { deviceId: string }) => d.deviceId)).toContain(anas.body.deviceId);
});

it('enables again an endpoint SNS disabled, when the app registers at its next start', async () => {
  const token = fcmToken();
  const { body } = await register(ana, { platform: 'FCM', token });
  const disabled = await fetch(`${endpoints.sns}/_local/endpoints/disable`, {
    method: 'POST',
    body: JSON.stringify({ endpointArn: body.endpointArn }),
  });
  expect(disabled.status).toBe(204);
  expect((await register(ana, { platform: 'FCM', token })).status).toBe(200);
  const { Attributes } = await sns.send(new GetEndpointAttributesCommand({ EndpointArn: body.endpointArn }));
  expect(Attributes?.Enabled).toBe('true');
});

it("deletes the caller's device with its endpoint; another user's device is a 404", async () => {
  const { body } = await register(ana, { platform: 'FCM', token: fcmToken() });
  const path = `/devices/${body.deviceId}`;
  const byBen = await api(endpoints, 'DELETE', path, { token: ben.accessToken });
  expect(byBen.status).toBe(404);
  expect((await api(endpoints, 'DELETE', path, { token: ana.accessToken })).status).toBe(204);
  await expect(sns.send(new GetEndpointAttributesCommand({ EndpointArn: body.endpointArn }))).rejects.toBeInstanceOf(
    NotFoundException,
  );
  expect((await list(ana)).map((d: { deviceId: string }) => d.deviceId)).not.toContain(body.deviceId);
  expect((await api(endpoints, 'DELETE', path, { token: ana.accessToken })).status).toBe(404);
});

it('refuses what is not a device token with a 400 that names the field', async () => {
  for (const body of [
    { platform: 'APNS', token: 'not-hex' },
    { platform: 'WNS', token: fcmToken() },
    { platform: 'FCM' },
    { platform: 'FCM', token: 'x'.repeat(2000) },
  ]) {
    const res = await register(ana, body);
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  }
  expect((await api(endpoints, 'DELETE', '/devices/not-an-id', { token: ana.accessToken })).status).toBe(400);
});
