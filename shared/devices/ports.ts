// What device registration needs of the Devices table and of SNS: the DynamoDB store
// (shared/devices/dynamo-store.ts) and the SNS adapter (shared/devices/sns-endpoints.ts) implement
// these, and so do the in-memory fakes of the unit tests.
import type { Device, Platform } from '#shared/devices/model';

export interface DeviceStore {
  /** The user's devices, oldest first (a consistent read). */
  listFor(userId: string): Promise<Device[]>;
  /** The device of this id, whoever it belongs to now. */
  find(deviceId: string): Promise<Device | undefined>;
  /** Writes the device (created or updated); when it belonged to `movedFrom`, that row goes in the same transaction. */
  save(device: Device, movedFrom?: string): Promise<void>;
  /** Deletes the user's device; false when the user has no such device. */
  remove(userId: string, deviceId: string): Promise<boolean>;
}

export interface PushEndpoints {
  /**
   * An enabled endpoint for this token: the known one when it still exists (its token and Enabled
   * set again if SNS changed them), else a new one.
   */
  ensure(platform: Platform, token: string, known?: string): Promise<string>;
  /** Deletes the endpoint; deleting one that is gone is not an error. */
  remove(endpointArn: string): Promise<void>;
}
