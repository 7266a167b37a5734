// Lambda REQUEST authorizer for the HTTP API (shared/auth/authorizer.ts). The configuration is read
// at load, so a function deployed without its pool fails at cold start, naming the variable.
import { authorizerConfig, authorizerHandler } from '#shared/auth/authorizer';

export const handler = authorizerHandler(authorizerConfig());
