import { deviceRegistry } from '#shared/devices/deps';
import { NotFoundError } from '#shared/http/errors';
import { apiRoute } from '#shared/http/api';
import { routes } from '#shared/http/routes';

const registry = deviceRegistry();

// DELETE /devices/{deviceId}: the caller's device and its endpoint; another user's device is a 404.
export const handler = apiRoute(routes.deleteDevice, async ({ userId, params: { deviceId } }) => {
  if (!(await registry.remove(userId, deviceId))) throw new NotFoundError('Device not found.');
  return { status: 204 };
});
