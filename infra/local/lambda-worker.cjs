'use strict';
// One Lambda execution environment: loads a function's bundle once (its module scope is the
// cold start) and runs one invocation at a time, like Lambda. process.env is this worker's own
// copy (set by the parent from the function's environment).
const { parentPort, workerData } = require('node:worker_threads');

const { bundle, handlerName, functionName, memorySize } = workerData;
let handler;

function serializeError(error) {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, stack: error.stack };
  return { errorType: 'Error', errorMessage: String(error) };
}

parentPort.on('message', async ({ id, event, deadline, requestId }) => {
  try {
    if (!handler) {
      const mod = require(bundle);
      handler = mod[handlerName];
      if (typeof handler !== 'function') throw new Error(`${functionName}: export '${handlerName}' is not a function`);
    }
    const context = {
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
      memoryLimitInMB: String(memorySize),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done() {},
      fail() {},
      succeed() {},
    };
    const result = await handler(event, context);
    parentPort.postMessage({ id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: serializeError(error) });
  }
});
