// Registering, listing and removing the devices that receive a user's pushes.
import {
  type Device,
  type DeviceRegistration,
  deviceIdOf,
  MAX_DEVICES_PER_USER,
  TooManyDevicesError,
} from '#shared/devices/model';
import type { DeviceStore, PushEndpoints } from '#shared/devices/ports';

export class DeviceRegistry {
  constructor(
    private readonly devices: DeviceStore,
    private readonly endpoints: PushEndpoints,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Registers the caller's device for pushes. The same token again is the same device (`created`
   * false); a token another user registered moves to the caller (one installation, one user: the
   * app signed in as someone else). The endpoint is made, or checked and re-enabled, every time,
   * as SNS's token-management guidance has it: the app calls this at every start.
   */
  async register(
    userId: string,
    { platform, token }: DeviceRegistration,
  ): Promise<{ device: Device; created: boolean }> {
    const deviceId = deviceIdOf(platform, token);
    const existing = await this.devices.find(deviceId);
    const mine = existing?.userId === userId;
    if (!mine) {
      const owned = await this.devices.listFor(userId);
      if (owned.length >= MAX_DEVICES_PER_USER) throw new TooManyDevicesError();
    }
    const endpointArn = await this.endpoints.ensure(platform, token, existing?.endpointArn);
    const at = this.now().toISOString();
    const device: Device = {
      userId,
      deviceId,
      platform,
      token,
      endpointArn,
      createdAt: mine ? existing.createdAt : at,
      updatedAt: at,
    };
    const changed = !mine || existing.endpointArn !== endpointArn || existing.token !== token;
    if (changed) await this.devices.save(device, existing && !mine ? existing.userId : undefined);
    return { device: changed ? device : existing, created: !mine };
  }

  /** Removes the caller's device and its endpoint; false when the caller has no such device. */
  async remove(userId: string, deviceId: string): Promise<boolean> {
    const device = (await this.devices.listFor(userId)).find((d) => d.deviceId === deviceId);
    if (!device) return false;
    await this.endpoints.remove(device.endpointArn);
    return this.devices.remove(userId, deviceId);
  }
}
