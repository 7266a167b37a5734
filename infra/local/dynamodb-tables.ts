// The tables of the local stack in DynamoDB Local: a CloudFormation AWS::DynamoDB::Table resource
// turned into CreateTable input, created idempotently, with its TTL and stream brought in line.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection,
  type ProvisionedThroughput,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { localLog } from './log';

const log = localLog('dynamodb');

type Num = number | string;
interface CloudFormationKeySchema {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE' | string;
}
interface CloudFormationProjection {
  ProjectionType?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE' | string;
  NonKeyAttributes?: string[];
}
interface CloudFormationThroughput {
  ReadCapacityUnits: Num;
  WriteCapacityUnits: Num;
}
export interface CloudFormationTableResource {
  Type: 'AWS::DynamoDB::Table';
  Properties: {
    TableName: string;
    KeySchema: CloudFormationKeySchema[];
    AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' | string }[];
    BillingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED' | string;
    ProvisionedThroughput?: CloudFormationThroughput;
    GlobalSecondaryIndexes?: {
      IndexName: string;
      KeySchema: CloudFormationKeySchema[];
      Projection: CloudFormationProjection;
      ProvisionedThroughput?: CloudFormationThroughput;
      [other: string]: unknown;
    }[];
    LocalSecondaryIndexes?: {
      IndexName: string;
      KeySchema: CloudFormationKeySchema[];
      Projection: CloudFormationProjection;
    }[];
    StreamSpecification?: { StreamViewType: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' };
    TimeToLiveSpecification?: { AttributeName?: string; Enabled: boolean | string };
    /** Anything else (PointInTimeRecoverySpecification, SSESpecification, Tags, ...) is ignored locally. */
    [other: string]: unknown;
  };
  [other: string]: unknown;
}
type TableProps = CloudFormationTableResource['Properties'];

const SUPPORTED = new Set([
  'TableName',
  'KeySchema',
  'AttributeDefinitions',
  'BillingMode',
  'ProvisionedThroughput',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'StreamSpecification',
  'TimeToLiveSpecification',
]);

const keySchema = (ks: CloudFormationKeySchema[]): KeySchemaElement[] =>
  ks.map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType as KeySchemaElement['KeyType'] }));
const projection = (p: CloudFormationProjection): Projection => ({
  ProjectionType: (p.ProjectionType ?? 'ALL') as Projection['ProjectionType'],
  ...(p.NonKeyAttributes?.length ? { NonKeyAttributes: p.NonKeyAttributes } : {}),
});
const throughput = (t: CloudFormationThroughput): ProvisionedThroughput => ({
  ReadCapacityUnits: Number(t.ReadCapacityUnits),
  WriteCapacityUnits: Number(t.WriteCapacityUnits),
});

/** CreateTable input for a CloudFormation AWS::DynamoDB::Table's Properties (exported for unit tests). */
function createTableInput(p: TableProps): CreateTableCommandInput {
  if (typeof p.TableName !== 'string' || !p.TableName) {
    throw new Error('a DynamoDB table resource needs an explicit TableName to run locally');
  }
  const provisioned = p.BillingMode === 'PROVISIONED' && p.ProvisionedThroughput !== undefined;
  const input: CreateTableCommandInput = {
    TableName: p.TableName,
    KeySchema: keySchema(p.KeySchema),
    AttributeDefinitions: p.AttributeDefinitions.map((a) => ({
      AttributeName: a.AttributeName,
      AttributeType: a.AttributeType as AttributeDefinition['AttributeType'],
    })),
    ...(provisioned
      ? { BillingMode: 'PROVISIONED', ProvisionedThroughput: throughput(p.ProvisionedThroughput!) }
      : { BillingMode: 'PAY_PER_REQUEST' }),
  };
  if (p.GlobalSecondaryIndexes?.length) {
    input.GlobalSecondaryIndexes = p.GlobalSecondaryIndexes.map(
      (g): GlobalSecondaryIndex => ({
        IndexName: g.IndexName,
        KeySchema: keySchema(g.KeySchema),
        Projection: projection(g.Projection),
        ...(provisioned && g.ProvisionedThroughput
          ? { ProvisionedThroughput: throughput(g.ProvisionedThroughput) }
          : {}),
      }),
    );
  }
  if (p.LocalSecondaryIndexes?.length) {
    input.LocalSecondaryIndexes = p.LocalSecondaryIndexes.map(
      (l): LocalSecondaryIndex => ({
        IndexName: l.IndexName,
        KeySchema: keySchema(l.KeySchema),
        Projection: projection(l.Projection),
      }),
    );
  }
  if (p.StreamSpecification?.StreamViewType) {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType };
  }
  return input;
}

async function listAllTables(client: DynamoDBClient): Promise<Set<string>> {
  const names = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const n of page.TableNames ?? []) names.add(n);
    start = page.LastEvaluatedTableName;
  } while (start);
  return names;
}

async function waitActive(client: DynamoDBClient, tableName: string, timeoutMs = 30_000): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return Table;
    if (Date.now() > deadline)
      throw new Error(`table ${tableName} is not ACTIVE after ${timeoutMs / 1000} s (${Table?.TableStatus})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function applyTimeToLive(client: DynamoDBClient, p: TableProps): Promise<void> {
  const ttl = p.TimeToLiveSpecification;
  const enabled = ttl && (ttl.Enabled === true || ttl.Enabled === 'true');
  if (!enabled || !ttl.AttributeName) return;
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: p.TableName }));
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: p.TableName,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
      }),
    );
  } catch (err) {
    log.warn(`${p.TableName}: TimeToLive on '${ttl.AttributeName}' not applied (${(err as Error).message})`);
  }
}

/**
 * Creates the tables that don't exist yet (idempotent: an existing table and its data are left as
 * they are, so a restart keeps data) and waits for them to be ACTIVE. Properties DynamoDB Local
 * doesn't support (PointInTimeRecoverySpecification, SSESpecification, Tags, ...) are ignored;
 * TimeToLiveSpecification is applied with UpdateTimeToLive.
 */
export async function ensureTables(client: DynamoDBClient, tables: TableProps[]): Promise<void> {
  const existing = await listAllTables(client);
  for (const props of tables) {
    const input = createTableInput(props);
    const name = input.TableName!;
    if (existing.has(name)) {
      const table = await waitActive(client, name);
      await reconcileExisting(client, props, table);
      continue;
    }
    const ignored = Object.keys(props).filter((k) => !SUPPORTED.has(k));
    try {
      await client.send(new CreateTableCommand(input));
      log.info(`created table ${name}${ignored.length ? ` (ignored locally: ${ignored.join(', ')})` : ''}`);
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err; // created concurrently: fine
    }
    await waitActive(client, name);
    await applyTimeToLive(client, props);
  }
}

// An existing table keeps its data. Non-destructive gaps are closed (stream off -> on, TTL);
// differences that would need the table re-created are reported, not acted on.
async function reconcileExisting(client: DynamoDBClient, props: TableProps, table: TableDescription): Promise<void> {
  const name = props.TableName;
  const wantedView = props.StreamSpecification?.StreamViewType;
  const spec = table.StreamSpecification;
  if (wantedView && !spec?.StreamEnabled) {
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        StreamSpecification: { StreamEnabled: true, StreamViewType: wantedView },
      }),
    );
    await waitActive(client, name);
    log.info(`enabled the ${wantedView} stream on existing table ${name}`);
  } else if (wantedView && spec?.StreamViewType !== wantedView) {
    log.warn(
      `table ${name} exists with stream view ${spec?.StreamViewType}, the definition says ${wantedView}: delete the local data folder to re-create it`,
    );
  }
  const wantedIndexes = (props.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName);
  const haveIndexes = new Set((table.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  const missing = wantedIndexes.filter((i) => !haveIndexes.has(i));
  if (missing.length) {
    log.warn(
      `table ${name} exists without index(es) ${missing.join(', ')}: delete the local data folder to re-create it`,
    );
  }
  await applyTimeToLive(client, props);
}
