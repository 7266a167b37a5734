import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '#shared/core/observability';

/** A document client as the stores expect it (undefined attributes left out). */
export function documentClient(client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

// The handlers' clients: created once per execution environment and reused across invocations,
// then passed to each store. Endpoints come from the SDK's own AWS_ENDPOINT_URL_<SERVICE>
// variables, which the local stack sets: no local branches. Scripts and tests make their own.
// Each is traced (a subsegment per call) when X-Ray tracing is on.
export const dynamo = documentClient(tracer.captureAWSv3Client(new DynamoDBClient({})));

export const s3 = tracer.captureAWSv3Client(new S3Client({}));

export const sns = tracer.captureAWSv3Client(new SNSClient({}));

export const sqs = tracer.captureAWSv3Client(new SQSClient({}));
