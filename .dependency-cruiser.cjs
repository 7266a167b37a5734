// The layering rules, checked in CI (npm run lint:deps). The domain (shared/domain) is the
// project's rules about content, visibility, friendships, feeds and profiles: it knows nothing of
// how requests arrive (HTTP, Lambda events) nor of where data lives (DynamoDB, S3).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-without-aws',
      comment: 'The domain imports no AWS SDK and no Lambda event types: adapters (shared/adapters) and handlers do.',
      severity: 'error',
      from: { path: '^shared/domain/' },
      to: { path: '(^|/)node_modules/(@aws-sdk/|@types/aws-lambda/|aws-lambda/)' },
    },
    {
      name: 'domain-without-http',
      comment:
        'The domain imports nothing of the HTTP layer (shared/http, the HTTP errors of shared/errors.ts) and no adapter: ' +
        'it throws DomainError (shared/domain/errors.ts), which the HTTP layer maps to a status.',
      severity: 'error',
      from: { path: '^shared/domain/' },
      to: { path: '^shared/(http/|errors\\.ts$|adapters/)' },
    },
    {
      name: 'use-cases-on-ports',
      comment:
        'The use cases of shared/feed (builder, reader, trimmer, rebuild, on shared/feed/ports.ts) and shared/uploads see stores through ports: ' +
        'no AWS SDK, no Lambda event types, no adapter, no HTTP layer. Stream records are decoded in shared/adapters/feed-streams.ts.',
      severity: 'error',
      from: { path: '^shared/(feed|uploads)/' },
      to: {
        path: '(^|/)node_modules/(@aws-sdk/|@types/aws-lambda/|aws-lambda/)|^shared/(http/|errors\\.ts$|adapters/)',
      },
    },
    {
      name: 'no-circular',
      comment: 'Modules form no import cycle: a cycle means two modules are one, or one of them is in the wrong layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a domain file typed by an SDK shape depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.cjs', '.json', '.d.ts'],
    },
  },
};
