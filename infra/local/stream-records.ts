// DynamoDB stream records as Lambda hands them to a function: an SDK GetRecords record (typed
// attribute values, dates) turned into the DynamoDBRecord of a DynamoDBStreamEvent.
import type { AttributeValue as SdkAttributeValue, _Record as SdkRecord } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';

function toLambdaAttribute(v: SdkAttributeValue): AttributeValue {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  if (v.S !== undefined) return { S: v.S };
  if (v.N !== undefined) return { N: v.N };
  if (v.B !== undefined) return { B: b64(v.B) };
  if (v.BOOL !== undefined) return { BOOL: v.BOOL };
  if (v.NULL !== undefined) return { NULL: v.NULL };
  if (v.SS !== undefined) return { SS: [...v.SS] };
  if (v.NS !== undefined) return { NS: [...v.NS] };
  if (v.BS !== undefined) return { BS: v.BS.map(b64) };
  if (v.L !== undefined) return { L: v.L.map(toLambdaAttribute) };
  if (v.M !== undefined) return { M: toLambdaImage(v.M) };
  // DynamoDB Local's GetRecords returns an empty map as `{}`, without its M tag (Scan and GetItem
  // return {"M":{}}); AWS does not. Without this, one such record would stall the shard forever.
  if (v && typeof v === 'object' && Object.keys(v).length === 0) return { M: {} };
  throw new Error(`unsupported attribute value ${JSON.stringify(v)}`);
}

function toLambdaImage(m: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(m)) out[k] = toLambdaAttribute(v);
  return out;
}

/** One SDK stream record in the shape Lambda hands to a function. */
export function toLambdaRecord(rec: SdkRecord, streamArn: string, region: string): DynamoDBRecord {
  const d = rec.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  const out: DynamoDBRecord = {
    eventID: rec.eventID,
    eventName: rec.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
      Keys: toLambdaImage(d.Keys ?? {}),
      ...(d.NewImage ? { NewImage: toLambdaImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: toLambdaImage(d.OldImage) } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
    eventSourceARN: streamArn,
  };
  if (rec.userIdentity) out.userIdentity = { type: rec.userIdentity.Type, principalId: rec.userIdentity.PrincipalId };
  return out;
}
