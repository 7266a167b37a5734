import { dynamo, sns } from '#shared/aws/clients';
import { DeviceRepository } from '#shared/devices/dynamo-store';
import { DeviceRegistry } from '#shared/devices/registration';
import { SnsPushEndpoints } from '#shared/devices/sns-endpoints';
import { requireEnv } from '#shared/lambda/config';

/** What the device handlers share, built once per execution environment. */
export function deviceRegistry(): DeviceRegistry {
  return new DeviceRegistry(
    new DeviceRepository(dynamo, requireEnv('DEVICES_TABLE')),
    new SnsPushEndpoints(sns, {
      APNS: requireEnv('APNS_PLATFORM_APPLICATION_ARN'),
      APNS_SANDBOX: requireEnv('APNS_SANDBOX_PLATFORM_APPLICATION_ARN'),
      FCM: requireEnv('FCM_PLATFORM_APPLICATION_ARN'),
    }),
  );
}
