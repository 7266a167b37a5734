// The functions' events of the service definition, wired to the local services: SNS subscriptions,
// the buckets' notifications, the DynamoDB stream mappings and the HTTP API's routes.
import path from 'node:path';
import {
  LOCAL_ACCOUNT_ID,
  resolveIntrinsics,
  resourcesOfType,
  type LocalValues,
  type ServiceDefinition,
} from './definition';
import type { Route } from './http-api';
import type { LocalLambda } from './runtime';
import type { BucketConfig } from './s3';
import type { LocalSqs } from './sqs';
import { type SqsMapping, startSqsMapping } from './sqs-mappings';
import { startStreamMapping, type StreamMapping } from './streams';

/** The definition, and what its intrinsics (!Ref, !GetAtt, pseudo parameters) resolve to locally. */
export interface Wiring {
  definition: ServiceDefinition;
  region: string;
  values: LocalValues;
  pseudo: Record<string, string>;
}

/** The functions' sns events, as subscriptions of a topic. */
export function snsSubscriptions({ definition, region, values, pseudo }: Wiring) {
  return Object.entries(definition.functions).flatMap(([name, fn]) =>
    (fn.events ?? []).flatMap((e) => {
      const sns = e.sns as { arn?: unknown; topicName?: string } | string | undefined;
      if (!sns) return [];
      const arn =
        typeof sns === 'string'
          ? sns
          : sns.arn
            ? String(resolveIntrinsics(sns.arn, values, pseudo))
            : `arn:aws:sns:${region}:${LOCAL_ACCOUNT_ID}:${sns.topicName}`;
      return [
        {
          topicArn: arn.startsWith('arn:') ? arn : `arn:aws:sns:${region}:${LOCAL_ACCOUNT_ID}:${arn}`,
          functionName: name,
        },
      ];
    }),
  );
}

/** The buckets of the definition (named by `buckets`) with their CORS rules and notifications. */
export function bucketConfigs({ definition, values, pseudo }: Wiring, buckets: Map<string, string>): BucketConfig[] {
  return resourcesOfType(definition, 'AWS::S3::Bucket').map(([id, r]) => ({
    name: buckets.get(id)!,
    cors: r.Properties?.CorsConfiguration?.CorsRules,
    notifications: resolveIntrinsics(
      r.Properties?.NotificationConfiguration ?? {},
      values,
      pseudo,
    ) as BucketConfig['notifications'],
  }));
}

/** Starts an event-source mapping for each of the functions' stream events. */
export async function startStreamMappings(
  { definition, region, values, pseudo }: Wiring,
  opts: {
    /** Tables by resource id. */
    tableInfo: Map<string, { name: string }>;
    dynamodbEndpoint: string;
    lambda: LocalLambda;
    dataDir: string;
    failuresDir: string;
  },
): Promise<StreamMapping[]> {
  const { tableInfo, dynamodbEndpoint, lambda, dataDir, failuresDir } = opts;
  const mappings: StreamMapping[] = [];
  for (const [name, fn] of Object.entries(definition.functions)) {
    for (const e of fn.events ?? []) {
      const stream = e.stream as Record<string, any> | undefined;
      if (!stream) continue;
      const tableId = Array.isArray(stream.arn?.['Fn::GetAtt']) ? stream.arn['Fn::GetAtt'][0] : undefined;
      const table = tableId ? tableInfo.get(tableId) : undefined;
      if (!table)
        throw new Error(`${name}: stream source must be !GetAtt <Table>.StreamArn of a table in this service`);
      const onFailureArn = stream.destinations?.onFailure?.arn
        ? String(resolveIntrinsics(stream.destinations.onFailure.arn, values, pseudo))
        : undefined;
      mappings.push(
        await startStreamMapping({
          config: {
            functionName: name,
            tableName: table.name,
            batchSize: stream.batchSize ?? 100,
            startingPosition: stream.startingPosition ?? 'TRIM_HORIZON',
            maximumRetryAttempts: stream.maximumRetryAttempts ?? -1,
            bisectBatchOnFunctionError: stream.bisectBatchOnFunctionError === true,
            reportBatchItemFailures: stream.functionResponseType === 'ReportBatchItemFailures',
            ...(onFailureArn ? { onFailure: { arn: onFailureArn, name: onFailureArn.split(':').pop()! } } : {}),
          },
          dynamodbEndpoint,
          region,
          invoke: (event) => lambda.invoke(name, event),
          stateDir: path.join(dataDir, 'streams'),
          failuresDir,
        }),
      );
    }
  }
  return mappings;
}

/** The functions' sqs events, as event-source mappings polling the local SQS. */
export function startSqsMappings(
  { definition, region, values, pseudo }: Wiring,
  opts: { sqs: LocalSqs; lambda: LocalLambda },
): SqsMapping[] {
  return Object.entries(definition.functions).flatMap(([name, fn]) =>
    (fn.events ?? []).flatMap((e) => {
      if (!e.sqs) return [];
      const event = (typeof e.sqs === 'object' && !('Fn::GetAtt' in (e.sqs as object)) ? e.sqs : { arn: e.sqs }) as {
        arn: unknown;
        batchSize?: number;
        functionResponseType?: string;
      };
      const arn = String(resolveIntrinsics(event.arn, values, pseudo));
      const queueName = arn.split(':').pop()!;
      return [
        startSqsMapping(
          {
            functionName: name,
            queueUrl: opts.sqs.urlOf(queueName),
            queueArn: arn,
            region,
            batchSize: event.batchSize ?? 10,
            reportBatchItemFailures: event.functionResponseType === 'ReportBatchItemFailures',
            invoke: (ev) => opts.lambda.invoke(name, ev),
          },
          opts.sqs.endpoint,
        ),
      ];
    }),
  );
}

/** The functions' httpApi events, as routes with their authorizers. */
export function httpRoutes(definition: ServiceDefinition): Route[] {
  const authorizers = definition.provider.httpApi?.authorizers ?? {};
  return Object.entries(definition.functions).flatMap(([name, fn]) =>
    (fn.events ?? []).flatMap((e) => {
      const ev = e.httpApi as { method: string; path: string; authorizer?: { name: string } } | string | undefined;
      if (!ev) return [];
      const [method, routePath] = typeof ev === 'string' ? ev.split(' ') : [ev.method, ev.path];
      const authName = typeof ev === 'object' ? ev.authorizer?.name : undefined;
      const authorizer = authName ? authorizers[authName] : undefined;
      if (authName && !authorizer) throw new Error(`${name}: unknown authorizer ${authName}`);
      return [
        {
          method: method!,
          path: routePath!,
          functionName: name,
          ...(authorizer ? { authorizer: { ...authorizer, name: authName! } } : {}),
        },
      ];
    }),
  );
}
