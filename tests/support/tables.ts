// Fresh, empty copies of the local stack's tables, for tests that need tables of their own.
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/** A fresh, empty copy of one of the stack's tables (keys, indexes, stream), named `{table}-{suffix}`. */
export async function cloneTable(ddb: DynamoDBClient, tableName: string, suffix: string): Promise<string> {
  const { Table: t } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
  const name = `${t!.TableName}-${suffix}`;
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: t!.AttributeDefinitions,
      KeySchema: t!.KeySchema,
      ...(t!.GlobalSecondaryIndexes?.length
        ? {
            GlobalSecondaryIndexes: t!.GlobalSecondaryIndexes.map((g) => ({
              IndexName: g.IndexName,
              KeySchema: g.KeySchema,
              Projection: g.Projection,
            })),
          }
        : {}),
      ...(t!.StreamSpecification?.StreamEnabled ? { StreamSpecification: t!.StreamSpecification } : {}),
    }),
  );
  await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName: name });
  return name;
}
