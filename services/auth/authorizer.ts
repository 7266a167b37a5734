// Lambda REQUEST authorizer for the HTTP API (shared/auth/lambda-authorizer.ts). The configuration is read
// at load, so a function deployed without its pool fails at cold start, naming the variable.
import { authorizerConfig, authorizerHandler } from '#shared/auth/lambda-authorizer';

export const handler = authorizerHandler(authorizerConfig());
