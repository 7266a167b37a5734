// A device is one app installation that can receive pushes: its platform, the token Apple or
// Google gave it, and the SNS platform endpoint that stands for it. A token identifies one
// installation, so the device id is derived from it: registering the same token again is the same
// device, whoever registers it.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '#shared/core/errors';

/** APNs (production and sandbox builds of an iOS app) and Firebase Cloud Messaging (FCM HTTP v1). */
const PLATFORMS = ['APNS', 'APNS_SANDBOX', 'FCM'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Devices one user may have registered at once; beyond it, POST /devices answers 409. */
export const MAX_DEVICES_PER_USER = 20;

export interface Device {
  userId: string;
  deviceId: string;
  platform: Platform;
  token: string;
  endpointArn: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * A device token as the platform hands it to the app: APNs tokens are hex (32 bytes today; Apple
 * says not to rely on the length), FCM registration tokens are URL-safe text of about 150-200
 * characters. Capped well above both.
 */
const apnsToken = z.string().regex(/^[0-9a-fA-F]{64,200}$/, 'must be the hex device token APNs gave the app');
const fcmToken = z
  .string()
  .min(32)
  .max(1024)
  .regex(/^[A-Za-z0-9_:.-]+$/, 'must be the registration token FCM gave the app');

/** POST /devices */
export const registerDeviceSchema = z.discriminatedUnion('platform', [
  z.strictObject({ platform: z.literal('APNS'), token: apnsToken }),
  z.strictObject({ platform: z.literal('APNS_SANDBOX'), token: apnsToken }),
  z.strictObject({ platform: z.literal('FCM'), token: fcmToken }),
]);

export type DeviceRegistration = z.infer<typeof registerDeviceSchema>;

/** The id of the device a token belongs to: the same for the same token, whoever registers it. */
export function deviceIdOf(platform: Platform, token: string): string {
  const normalized = platform === 'FCM' ? token : token.toLowerCase();
  return createHash('sha256').update(`${platform}\n${normalized}`).digest('base64url').slice(0, 32);
}

const deviceIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{32}$/, 'must be a device id from POST /devices or GET /devices');

/** DELETE /devices/{deviceId} */
export const deviceParamsSchema = z.object({ deviceId: deviceIdSchema });

/** What the API answers for a device (the token stays with the server). */
export const deviceViewSchema = z
  .object({
    deviceId: z.string(),
    platform: z.enum(PLATFORMS),
    endpointArn: z.string().describe('The SNS platform endpoint that delivers to this device.'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Device' });

export type DeviceView = z.output<typeof deviceViewSchema>;

export function deviceView(device: Device): DeviceView {
  return {
    deviceId: device.deviceId,
    platform: device.platform,
    endpointArn: device.endpointArn,
    createdAt: device.createdAt,
  };
}

export class TooManyDevicesError extends DomainError {
  constructor() {
    super(
      'conflict',
      'TOO_MANY_DEVICES',
      `At most ${MAX_DEVICES_PER_USER} devices can receive pushes: delete one (DELETE /devices/{deviceId}) first.`,
    );
  }
}
