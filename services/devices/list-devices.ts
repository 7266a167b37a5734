import { dynamo } from '#shared/aws/clients';
import { DeviceRepository } from '#shared/devices/dynamo-store';
import { deviceView } from '#shared/devices/model';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';
import { requireEnv } from '#shared/lambda/config';

const devices = new DeviceRepository(dynamo, requireEnv('DEVICES_TABLE'));

// GET /devices: the caller's devices, oldest first.
export const handler = apiRoute(routes.listDevices, async ({ userId }) => {
  return { status: 200, body: { items: (await devices.listFor(userId)).map(deviceView) } };
});
