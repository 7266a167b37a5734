// Jest: four projects. unit (domain logic and use cases on in-memory stores), integration
// (against the local stack, started once by the global setup, one file at a time), local (the local
// stack's own tests: each starts the part it pins, DynamoDB Local, the identity provider, stream
// mappings or the whole stack, and drives it with the AWS SDK) and infra (the CloudFormation
// template `osls package` builds). Type-checking is `npm run typecheck`'s job:
// the transform only strips types.

/** TypeScript, and the ESM-only dependencies below, to CommonJS. */
const transform = {
  '^.+\\.(t|j|mj)s$': [
    '@swc/jest',
    { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
  ],
};

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  transform,
  // jose, thumbhash and the OpenAPI validator ship ES modules only: transform them too.
  transformIgnorePatterns: ['/node_modules/(?!(jose|thumbhash|@seriousme)/)'],
  moduleNameMapper: { '^#shared/(.*)$': '<rootDir>/shared/$1.ts' },
  setupFiles: ['<rootDir>/tests/support/environment.ts'],
  setupFilesAfterEnv: ['jest-expect-message', '<rootDir>/tests/support/timeouts.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/tests/unit/**/*.test.ts'],
      globals: { timeouts: { testTimeout: 5_000, hookTimeout: 10_000 } },
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/stack-setup.ts',
      globalTeardown: '<rootDir>/tests/support/stack-teardown.ts',
      runner: '<rootDir>/tests/support/serial-runner.js',
      globals: { timeouts: { testTimeout: 120_000, hookTimeout: 180_000 } },
    },
    {
      ...shared,
      displayName: 'local',
      testMatch: ['<rootDir>/tests/local/**/*.test.ts'],
      // The same serial runner as the integration project: Jest runs one runner's files after the
      // other runner's, so a Java process or a second stack never competes with the shared stack.
      runner: '<rootDir>/tests/support/serial-runner.js',
      globals: { timeouts: { testTimeout: 120_000, hookTimeout: 180_000 } },
    },
    {
      ...shared,
      displayName: 'infra',
      testMatch: ['<rootDir>/tests/infra/**/*.test.ts'],
      globals: { timeouts: { testTimeout: 180_000, hookTimeout: 180_000 } },
    },
  ],
};
