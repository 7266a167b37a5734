import { deviceRegistry } from '#shared/devices/deps';
import { deviceView } from '#shared/devices/model';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';

const registry = deviceRegistry();

// POST /devices: the caller's device as an SNS platform endpoint (201 new, 200 the same again).
export const handler = apiRoute(routes.registerDevice, async ({ userId, body }) => {
  const { device, created } = await registry.register(userId, body);
  return { status: created ? 201 : 200, body: deviceView(device) };
});
