// Runs before each test file's modules load (Jest `setupFiles`), in every project.
// Development runs on Node 20: the AWS SDK's notice about its future Node 22 requirement is known.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Code under test in this process logs through Powertools: keep its info lines out of the test
// output (the local stack's functions have their own environment).
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
