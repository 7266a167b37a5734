// Powertools for AWS Lambda, one instance of each per execution environment:
// - `logger`: structured JSON logs; the event wrappers (apiRoute, streamHandler, s3ObjectHandler)
//   add the Lambda context and per-request/per-record keys. Never log whole events: they carry
//   tokens and personal data.
// - `metrics`: CloudWatch metrics as Embedded Metric Format lines in the logs (namespace from
//   POWERTOOLS_METRICS_NAMESPACE, service from POWERTOOLS_SERVICE_NAME); the wrappers flush them at
//   the end of each invocation. The business events are named in `BusinessMetric`.
// - `tracer`: X-Ray segments for the AWS SDK clients (shared/aws/clients.ts). It is active only
//   inside Lambda with tracing on (serverless.yml); elsewhere it leaves the clients as they are.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger();
const metrics = new Metrics();
export const tracer = new Tracer();

/** The business events the service counts. */
export const BusinessMetric = {
  /** An upload became READY (both media functions done). */
  UploadReady: 'UploadReady',
  /** An upload was rejected; dimension `reason` (a RejectionCode). */
  UploadRejected: 'UploadRejected',
  /** An upload repeated bytes its owner already has. */
  UploadDuplicate: 'UploadDuplicate',
  /** Feed entry puts the feed builder sends (a reconciliation sends its whole plan). */
  FeedEntriesWritten: 'FeedEntriesWritten',
  /** Feed entry deletes the feed builder sends (deleting a missing entry included). */
  FeedEntriesRemoved: 'FeedEntriesRemoved',
  /** Reconcile passes repeated because the item or friendship changed meanwhile. */
  FeedReconcileRetries: 'FeedReconcileRetries',
  /** Feed entries deleted by the trimmer. */
  FeedEntriesTrimmed: 'FeedEntriesTrimmed',
  /** Lines read by an import. */
  ImportLines: 'ImportLines',
  /** Requests the authorizer refused; dimension `reason` (an UnauthorizedReason). */
  AuthorizerRefusals: 'AuthorizerRefusals',
} as const;

/** Adds `value` to a business counter. */
export function count(name: keyof typeof BusinessMetric, value = 1): void {
  if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
}

/** A counter with one dimension of its own (e.g. a refusal's reason), emitted at once. */
export function countBy(name: keyof typeof BusinessMetric, dimension: string, value: string): void {
  const single = metrics.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, MetricUnit.Count, 1);
}

/** Writes the metrics added during this invocation (the wrappers call it; nothing is written when there are none). */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
