/** What the authorizer (services/auth/authorizer.ts) puts into `event.requestContext.authorizer.lambda`. */
export interface AuthorizerContext {
  userId: string;
  username: string;
}
