// The service definition's resources on the local stack: its tables, created in DynamoDB Local; the
// local names of its topics, queues, buckets and user pool; what !Ref and !GetAtt of them resolve
// to; and each function's configuration.
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  functionEnvironment,
  LOCAL_ACCOUNT_ID,
  resourcesOfType,
  type LocalValues,
  type ServiceDefinition,
} from './definition';
import { ensureTables } from './dynamodb-tables';
import type { FunctionConfig } from './runtime';
import { S3RVER_CREDENTIALS } from './s3';
import type { QueueConfig } from './sqs';
import type { Wiring } from './stack-events';

interface TableInfo {
  name: string;
  arn: string;
  streamArn?: string;
}

/** Creates the definition's tables in DynamoDB Local (if missing); returns them by resource id. */
export async function createTables(
  endpoint: string,
  definition: ServiceDefinition,
  literal: (value: unknown) => unknown,
): Promise<Map<string, TableInfo>> {
  const region = definition.provider.region;
  const ddb = new DynamoDBClient({ endpoint, region, credentials: S3RVER_CREDENTIALS });
  const tables = resourcesOfType(definition, 'AWS::DynamoDB::Table').map(
    ([id, r]) => [id, literal(r.Properties) as Record<string, any>] as const,
  );
  await ensureTables(
    ddb,
    tables.map(([, p]) => p as never),
  );
  const tableInfo = new Map<string, TableInfo>();
  for (const [id, props] of tables) {
    const out = await ddb.send(new DescribeTableCommand({ TableName: props.TableName }));
    tableInfo.set(id, { name: props.TableName, arn: out.Table!.TableArn!, streamArn: out.Table!.LatestStreamArn });
  }
  return tableInfo;
}

/** The local names of the topics, queues and buckets by resource id; the user pool and its client. */
export function resourceNames(definition: ServiceDefinition, literal: (value: unknown) => unknown) {
  const region = definition.provider.region;
  const topics = new Map(
    resourcesOfType(definition, 'AWS::SNS::Topic').map(([id, r]) => [
      id,
      `arn:aws:sns:${region}:${LOCAL_ACCOUNT_ID}:${literal(r.Properties?.TopicName) ?? id}`,
    ]),
  );
  const queues = new Map(
    resourcesOfType(definition, 'AWS::SQS::Queue').map(([id, r]) => [
      id,
      String(literal(r.Properties?.QueueName) ?? id),
    ]),
  );
  const buckets = new Map(
    resourcesOfType(definition, 'AWS::S3::Bucket').map(([id, r]) => [
      id,
      String(literal(r.Properties?.BucketName) ?? id.toLowerCase()),
    ]),
  );
  const pools = resourcesOfType(definition, 'AWS::Cognito::UserPool');
  const clients = resourcesOfType(definition, 'AWS::Cognito::UserPoolClient');
  if (pools.length !== 1 || clients.length !== 1)
    throw new Error('The local identity provider serves exactly one user pool with one app client.');
  const userPoolId = `${region}_localpool`;
  const clientId = 'localappclient0000000000000';
  return { topics, queues, buckets, pools, clients, userPoolId, clientId };
}

/** The definition's queues as the local SQS runs them: visibility timeout, delay, redrive policy. */
export function queueConfigs(
  definition: ServiceDefinition,
  names: ReturnType<typeof resourceNames>,
  literal: (value: unknown) => unknown,
): QueueConfig[] {
  return resourcesOfType(definition, 'AWS::SQS::Queue').map(([id, r]) => {
    const p = r.Properties ?? {};
    const redrive = p.RedrivePolicy as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } | undefined;
    const target = (redrive?.deadLetterTargetArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.[
      'Fn::GetAtt'
    ]?.[0];
    if (redrive && !(target && names.queues.has(target)))
      throw new Error(`Queue ${id}: the local SQS needs RedrivePolicy.deadLetterTargetArn as !GetAtt <queue>.Arn`);
    const number = (v: unknown) => (v === undefined ? undefined : Number(literal(v)));
    return {
      name: names.queues.get(id)!,
      visibilityTimeout: number(p.VisibilityTimeout),
      delaySeconds: number(p.DelaySeconds),
      ...(redrive
        ? {
            redrive: { deadLetterQueue: names.queues.get(target!)!, maxReceiveCount: number(redrive.maxReceiveCount)! },
          }
        : {}),
    };
  });
}

/** What !Ref and !GetAtt of the definition's resources resolve to locally. */
export function localValues(
  region: string,
  tableInfo: Map<string, TableInfo>,
  names: ReturnType<typeof resourceNames>,
  issuer: string,
  sqsEndpoint: string,
): LocalValues {
  const { topics, queues, buckets, pools, clients, userPoolId, clientId } = names;
  return {
    ref(id) {
      if (tableInfo.has(id)) return tableInfo.get(id)!.name;
      if (topics.has(id)) return topics.get(id);
      if (queues.has(id)) return `${sqsEndpoint}/${LOCAL_ACCOUNT_ID}/${queues.get(id)}`;
      if (buckets.has(id)) return buckets.get(id);
      if (id === pools[0]![0]) return userPoolId;
      if (id === clients[0]![0]) return clientId;
      return undefined;
    },
    getAtt(id, attr) {
      const table = tableInfo.get(id);
      if (table && attr === 'Arn') return table.arn;
      if (table && attr === 'StreamArn') return table.streamArn;
      if (queues.has(id) && attr === 'Arn') return `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${queues.get(id)}`;
      if (queues.has(id) && attr === 'QueueName') return queues.get(id);
      if (buckets.has(id) && attr === 'Arn') return `arn:aws:s3:::${buckets.get(id)}`;
      if (topics.has(id) && attr === 'TopicName') return topics.get(id)!.split(':').pop();
      if (id === pools[0]![0] && attr === 'ProviderURL') return issuer;
      if (id === pools[0]![0] && attr === 'UserPoolId') return userPoolId;
      if (id === pools[0]![0] && attr === 'Arn')
        return `arn:aws:cognito-idp:${region}:${LOCAL_ACCOUNT_ID}:userpool/${userPoolId}`;
      return undefined;
    },
  };
}

/** Each function's configuration: its environment as deployed, with the SDK pointed at the local services. */
export function functionConfigs(
  { definition, region, values }: Wiring,
  stage: string,
  endpoints: { dynamodb: string; s3: string; sns: string; sqs: string; cognito: string },
): Map<string, FunctionConfig> {
  const functions = new Map<string, FunctionConfig>();
  for (const [name, fn] of Object.entries(definition.functions)) {
    const environment = {
      ...functionEnvironment(definition, fn, values),
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_LAMBDA_FUNCTION_NAME: fn.name ?? `${definition.service}-${stage}-${name}`,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize ?? definition.provider.memorySize ?? 1024),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      // The SDK's own endpoint variables: function code has no local branches.
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
      AWS_ENDPOINT_URL_S3: endpoints.s3,
      AWS_ENDPOINT_URL_SNS: endpoints.sns,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: endpoints.cognito,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_DEV: process.env.POWERTOOLS_DEV ?? 'false',
      TZ: 'UTC',
    };
    functions.set(name, {
      name,
      handler: fn.handler,
      timeoutSeconds: fn.timeout ?? definition.provider.timeout ?? 6,
      memorySize: fn.memorySize ?? definition.provider.memorySize ?? 1024,
      environment,
    });
  }
  return functions;
}

/**
 * The SNS platform applications the functions are configured with (an environment value that is a
 * platform application ARN): in AWS an operator creates them with Apple's or Google's credentials
 * and the stage's parameters name them; locally the SNS subset has exactly these.
 */
export function platformApplications(functions: Map<string, FunctionConfig>): string[] {
  const arn = /^arn:aws:sns:[^:]+:[^:]+:app\/(APNS|APNS_SANDBOX|GCM)\/[\w.-]+$/;
  const values = [...functions.values()].flatMap((f) => Object.values(f.environment));
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && arn.test(v)))];
}
