// The local stack's endpoints, handed over by the integration project's global setup
// (tests/support/stack-setup.ts) through the environment of the test processes.
import type { Endpoints } from '../../infra/local/stack';

export const ENDPOINTS_VARIABLE = 'MEDIA_SHARE_TEST_ENDPOINTS';

/** The integration stack's push window (stage parameter notifyWindowSeconds; 60 by default). */
export const PUSH_WINDOW_SECONDS = 30;

export function stackEndpoints(): Endpoints {
  const raw = process.env[ENDPOINTS_VARIABLE];
  if (!raw) {
    throw new Error(
      `${ENDPOINTS_VARIABLE} is not set: integration tests run against the local stack that the integration project's global setup starts; run them with "npm test" or "npx jest --selectProjects integration"`,
    );
  }
  return JSON.parse(raw) as Endpoints;
}
