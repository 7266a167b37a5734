// Device registration on in-memory fakes of the Devices table and of SNS endpoints: one device per
// token, idempotent, moving with its token to another user, re-enabled when SNS disabled it, capped
// per user, and removed with its endpoint by its owner only.
import { type Device, deviceIdOf, MAX_DEVICES_PER_USER, registerDeviceSchema } from '#shared/devices/model';
import type { DeviceStore, PushEndpoints } from '#shared/devices/ports';
import { DeviceRegistry } from '#shared/devices/registration';

class MemoryDevices implements DeviceStore {
  readonly rows = new Map<string, Device>();
  private key = (userId: string, deviceId: string) => `${userId}|${deviceId}`;
  async listFor(userId: string) {
    return [...this.rows.values()]
      .filter((d) => d.userId === userId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
  async find(deviceId: string) {
    return [...this.rows.values()].find((d) => d.deviceId === deviceId);
  }
  async save(device: Device, movedFrom?: string) {
    if (movedFrom) this.rows.delete(this.key(movedFrom, device.deviceId));
    this.rows.set(this.key(device.userId, device.deviceId), device);
  }
  async remove(userId: string, deviceId: string) {
    return this.rows.delete(this.key(userId, deviceId));
  }
}

/** SNS as far as registration sees it: endpoints by token, which may be deleted or disabled behind our back. */
class MemoryEndpoints implements PushEndpoints {
  readonly endpoints = new Map<string, { token: string; enabled: boolean }>();
  created = 0;
  async ensure(_platform: string, token: string, known?: string) {
    const existing = known && this.endpoints.get(known);
    if (existing) {
      existing.token = token;
      existing.enabled = true;
      return known;
    }
    const byToken = [...this.endpoints].find(([, e]) => e.token === token);
    if (byToken) {
      byToken[1].enabled = true;
      return byToken[0];
    }
    const arn = `arn:aws:sns:us-east-1:1:endpoint/GCM/app/${++this.created}`;
    this.endpoints.set(arn, { token, enabled: true });
    return arn;
  }
  async remove(endpointArn: string) {
    this.endpoints.delete(endpointArn);
  }
}

const fcmToken = (n: number) => `fcm-token-${String(n).padStart(40, '0')}`;
let clock = Date.parse('2026-03-01T10:00:00.000Z');
const now = () => {
  clock += 1000;
  return new Date(clock);
};

function setup() {
  const devices = new MemoryDevices();
  const endpoints = new MemoryEndpoints();
  return { devices, endpoints, registry: new DeviceRegistry(devices, endpoints, now) };
}

describe('DeviceRegistry', () => {
  it('registers a token once: the same token again is the same device and endpoint', async () => {
    const { registry, devices, endpoints } = setup();
    const first = await registry.register('ana', { platform: 'FCM', token: fcmToken(1) });
    const again = await registry.register('ana', { platform: 'FCM', token: fcmToken(1) });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.device).toEqual(first.device);
    expect(first.device.deviceId).toBe(deviceIdOf('FCM', fcmToken(1)));
    expect(devices.rows.size).toBe(1);
    expect(endpoints.endpoints.size).toBe(1);
  });

  it('moves a token to the user who registers it now, with its endpoint', async () => {
    const { registry, devices } = setup();
    const ana = await registry.register('ana', { platform: 'FCM', token: fcmToken(2) });
    const ben = await registry.register('ben', { platform: 'FCM', token: fcmToken(2) });
    expect(ben.created).toBe(true);
    expect(ben.device.endpointArn).toBe(ana.device.endpointArn);
    expect(await devices.listFor('ana')).toEqual([]);
    expect(await devices.listFor('ben')).toEqual([ben.device]);
  });

  it('re-enables an endpoint SNS disabled, and makes a new one when SNS lost it', async () => {
    const { registry, endpoints, devices } = setup();
    const { device } = await registry.register('ana', { platform: 'FCM', token: fcmToken(3) });
    endpoints.endpoints.get(device.endpointArn)!.enabled = false;
    await registry.register('ana', { platform: 'FCM', token: fcmToken(3) });
    expect(endpoints.endpoints.get(device.endpointArn)!.enabled).toBe(true);

    endpoints.endpoints.clear();
    const again = await registry.register('ana', { platform: 'FCM', token: fcmToken(3) });
    expect(again.device.endpointArn).not.toBe(device.endpointArn);
    expect((await devices.listFor('ana')).map((d) => d.endpointArn)).toEqual([again.device.endpointArn]);
  });

  it(`refuses a device beyond ${MAX_DEVICES_PER_USER}, but not one the user already has`, async () => {
    const { registry } = setup();
    for (let i = 0; i < MAX_DEVICES_PER_USER; i++)
      await registry.register('ana', { platform: 'FCM', token: fcmToken(100 + i) });
    await expect(registry.register('ana', { platform: 'FCM', token: fcmToken(999) })).rejects.toMatchObject({
      kind: 'conflict',
      code: 'TOO_MANY_DEVICES',
    });
    await expect(registry.register('ana', { platform: 'FCM', token: fcmToken(100) })).resolves.toMatchObject({
      created: false,
    });
  });

  it("removes the caller's device and its endpoint, and nobody else's", async () => {
    const { registry, endpoints } = setup();
    const { device } = await registry.register('ana', { platform: 'FCM', token: fcmToken(4) });
    expect(await registry.remove('ben', device.deviceId)).toBe(false);
    expect(endpoints.endpoints.has(device.endpointArn)).toBe(true);
    expect(await registry.remove('ana', device.deviceId)).toBe(true);
    expect(endpoints.endpoints.has(device.endpointArn)).toBe(false);
    expect(await registry.remove('ana', device.deviceId)).toBe(false);
  });
});

describe('registerDeviceSchema', () => {
  it.each([
    [{ platform: 'APNS', token: 'ab'.repeat(32) }, true],
    [{ platform: 'APNS_SANDBOX', token: 'AB'.repeat(32) }, true],
    [{ platform: 'FCM', token: fcmToken(5) }, true],
    [{ platform: 'APNS', token: fcmToken(5) }, false],
    [{ platform: 'APNS', token: 'ab'.repeat(8) }, false],
    [{ platform: 'FCM', token: 'short' }, false],
    [{ platform: 'FCM', token: `${'x'.repeat(100)} ${'y'.repeat(100)}` }, false],
    [{ platform: 'FCM', token: 'x'.repeat(1025) }, false],
    [{ platform: 'WNS', token: fcmToken(5) }, false],
    [{ platform: 'FCM', token: fcmToken(5), extra: 1 }, false],
  ])('%j valid: %s', (input, valid) => {
    expect(registerDeviceSchema.safeParse(input).success).toBe(valid);
  });

  it('gives the same device id to an APNs token in either case, and different ids across platforms', () => {
    const token = 'ab'.repeat(32);
    expect(deviceIdOf('APNS', token)).toBe(deviceIdOf('APNS', token.toUpperCase()));
    expect(deviceIdOf('APNS', token)).not.toBe(deviceIdOf('APNS_SANDBOX', token));
    expect(deviceIdOf('FCM', fcmToken(6))).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});
