import type { S3EventRecord, SNSEvent, SNSEventRecord } from 'aws-lambda';
import { uploadedObjects } from '#shared/media/sns-upload-event';

const BUCKET = 'media-bucket';

function s3Record(eventName: string, key: string, size: number, bucket = BUCKET): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2024-06-01T12:00:00.000Z',
    eventName,
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress: '203.0.113.7' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'uploads',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key, size, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
    },
  };
}

function snsRecord(message: string): SNSEventRecord {
  return {
    EventVersion: '1.0',
    EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:uploads:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55',
    EventSource: 'aws:sns',
    Sns: {
      SignatureVersion: '1',
      Timestamp: '2024-06-01T12:00:01.000Z',
      Signature: 'EXAMPLE',
      SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem',
      MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
      Message: message,
      MessageAttributes: {},
      Type: 'Notification',
      UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:uploads',
      Subject: 'Amazon S3 Notification',
    },
  };
}

const s3Message = (...records: S3EventRecord[]) => JSON.stringify({ Records: records });
const event = (...messages: string[]): SNSEvent => ({ Records: messages.map(snsRecord) });

describe('uploadedObjects', () => {
  it('reports an object created through a POST upload', () => {
    expect(uploadedObjects(event(s3Message(s3Record('ObjectCreated:Post', 'uploads/user-1/abc', 2048))))).toEqual([
      { bucket: BUCKET, key: 'uploads/user-1/abc', size: 2048 },
    ]);
  });

  it('reports any ObjectCreated event, not only Post', () => {
    expect(uploadedObjects(event(s3Message(s3Record('ObjectCreated:Put', 'uploads/user-1/abc', 1))))).toHaveLength(1);
  });

  it('decodes URL-encoded keys, with + as a space and %2B as a plus', () => {
    const [object] = uploadedObjects(
      event(s3Message(s3Record('ObjectCreated:Post', 'uploads/u%C3%A9/my+photo%2B1.jpg', 10))),
    );
    expect(object?.key).toBe('uploads/ué/my photo+1.jpg');
  });

  it('ignores the s3:TestEvent message S3 sends when notifications are configured', () => {
    const test = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2024-06-01T12:00:00.000Z',
      Bucket: BUCKET,
      RequestId: '5582815E1AEA5ADF',
      HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
    });
    expect(uploadedObjects(event(test))).toEqual([]);
  });

  it('ignores ObjectRemoved events', () => {
    expect(uploadedObjects(event(s3Message(s3Record('ObjectRemoved:Delete', 'uploads/user-1/abc', 0))))).toEqual([]);
  });

  it('ignores a message that is not JSON and keeps the others', () => {
    const objects = uploadedObjects(
      event('{"Records": [', s3Message(s3Record('ObjectCreated:Post', 'uploads/user-1/ok', 5))),
    );
    expect(objects).toEqual([{ bucket: BUCKET, key: 'uploads/user-1/ok', size: 5 }]);
  });

  it('reports every created object of several S3 records in one message, in order', () => {
    const message = s3Message(
      s3Record('ObjectCreated:Post', 'uploads/user-1/a', 1),
      s3Record('ObjectRemoved:Delete', 'uploads/user-1/gone', 0),
      s3Record('ObjectCreated:Post', 'uploads/user-2/b', 2, 'other-bucket'),
    );
    expect(uploadedObjects(event(message))).toEqual([
      { bucket: BUCKET, key: 'uploads/user-1/a', size: 1 },
      { bucket: 'other-bucket', key: 'uploads/user-2/b', size: 2 },
    ]);
  });

  it('reports the objects of several SNS records', () => {
    const objects = uploadedObjects(
      event(
        s3Message(s3Record('ObjectCreated:Post', 'uploads/user-1/a', 1)),
        s3Message(s3Record('ObjectCreated:Post', 'uploads/user-1/b', 2)),
      ),
    );
    expect(objects.map((o) => o.key)).toEqual(['uploads/user-1/a', 'uploads/user-1/b']);
  });

  it('returns nothing for an event without records', () => {
    expect(uploadedObjects({ Records: [] })).toEqual([]);
  });
});

describe('uploadedObjects on messages S3 would not send', () => {
  it('ignores a message that is valid JSON but not an object', () => {
    expect(uploadedObjects(event('null', '42', '"text"'))).toEqual([]);
  });

  it('skips a key with broken %-encoding and keeps the others', () => {
    const objects = uploadedObjects(
      event(
        s3Message(
          s3Record('ObjectCreated:Post', 'uploads/a/%E0%A4%A', 5),
          s3Record('ObjectCreated:Post', 'uploads/a/ok', 6),
        ),
      ),
    );
    expect(objects).toEqual([{ bucket: BUCKET, key: 'uploads/a/ok', size: 6 }]);
  });
});
