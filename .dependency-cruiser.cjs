// The layering rules, checked in CI (npm run lint:deps). shared/ is by feature (content, feed,
// friends, users, devices, media, uploads, imports, auth), with fixed inner names:
// - `model.ts` and the feature's other plain modules (visibility, view, plan, ...): the project's
//   rules, and the use cases (builder, reader, access, tickets, importer), on the feature's `ports.ts`;
// - `dynamo-*.ts`, `s3-*.ts`, `sns-*.ts`, `sqs-*.ts`, `lambda-*.ts`: adapters, the only feature files that see
//   AWS (the SDK, Lambda event shapes, table attributes and keys);
// - `deps.ts`: the wiring of adapters into use cases for a feature's handlers.
// Beside the features: shared/core (errors, cursors, bounded concurrency: used everywhere),
// shared/http (routes, apiRoute, HTTP errors, OpenAPI), shared/lambda (event wrappers, observability,
// configuration) and shared/aws (clients, the DynamoDB paging and batch helpers).
const ADAPTER = '(dynamo|s3|sns|sqs|lambda)-[^/]+\\.ts$|deps\\.ts$';
const PLAIN = `^shared/(?!core/|http/|lambda/|aws/)[^/]+/(?!${ADAPTER})[^/]+\\.ts$`;
const AWS_TYPES = '(^|/)node_modules/(@aws-sdk/|@types/aws-lambda/|aws-lambda/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'plain-without-aws',
      comment:
        "A feature's model and use cases import no AWS SDK and no Lambda event types: its adapters (dynamo-*, s3-*, sns-*, sqs-*, lambda-*) do.",
      severity: 'error',
      from: { path: PLAIN },
      to: { path: AWS_TYPES },
    },
    {
      name: 'plain-without-adapters',
      comment:
        "A feature's model and use cases import no adapter, no wiring and nothing of the HTTP or Lambda layers (shared/http, " +
        'shared/lambda, shared/aws): they see stores through ports and throw DomainError (shared/core/errors.ts), which the ' +
        'HTTP layer maps to a status.',
      severity: 'error',
      from: { path: PLAIN },
      to: { path: `^shared/(http|lambda|aws)/|^shared/[^/]+/(${ADAPTER})` },
    },
    {
      name: 'core-depends-on-nothing',
      comment: 'shared/core is used by every layer and imports no other project module.',
      severity: 'error',
      from: { path: '^shared/core/' },
      to: { path: '^shared/(?!core/)' },
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
