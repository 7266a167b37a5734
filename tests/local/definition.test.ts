import { LOCAL_ACCOUNT_ID, type LocalValues, pseudoParameters, resolveIntrinsics } from '../../infra/local/definition';

const refs: Record<string, string> = {
  MediaBucket: 'media-local',
  UploadsTopic: 'arn:aws:sns:us-east-1:000000000000:uploads',
};
const atts: Record<string, string> = {
  'ContentTable.Arn': 'arn:aws:dynamodb:us-east-1:000000000000:table/content',
  'ContentTable.StreamArn': 'arn:aws:dynamodb:us-east-1:000000000000:table/content/stream/2024-06-01T00:00:00.000',
  'UserPool.ProviderURL': 'http://localhost:9229/us-east-1_local',
};
const values: LocalValues = { ref: (id) => refs[id], getAtt: (id, attr) => atts[`${id}.${attr}`] };
const pseudo = pseudoParameters('us-east-1');
const resolve = (value: unknown) => resolveIntrinsics(value, values, pseudo);

describe('resolveIntrinsics', () => {
  it('leaves strings, numbers, booleans and null as they are', () => {
    expect(resolve(['text', 3, true, null])).toEqual(['text', 3, true, null]);
  });

  it('resolves Ref to a local resource', () => {
    expect(resolve({ Ref: 'MediaBucket' })).toBe('media-local');
  });

  it('resolves Ref to a pseudo parameter', () => {
    expect(resolve({ Ref: 'AWS::AccountId' })).toBe(LOCAL_ACCOUNT_ID);
    expect(resolve({ Ref: 'AWS::Region' })).toBe('us-east-1');
  });

  it('throws with the name for a Ref to an unknown resource', () => {
    expect(() => resolve({ Ref: 'NoSuchBucket' })).toThrow(/NoSuchBucket/);
  });

  it('resolves Fn::GetAtt in its array form', () => {
    expect(resolve({ 'Fn::GetAtt': ['ContentTable', 'Arn'] })).toBe(atts['ContentTable.Arn']);
  });

  it('resolves Fn::GetAtt in its dotted string form', () => {
    expect(resolve({ 'Fn::GetAtt': 'ContentTable.StreamArn' })).toBe(atts['ContentTable.StreamArn']);
  });

  it('throws with the name for Fn::GetAtt on an unknown resource', () => {
    expect(() => resolve({ 'Fn::GetAtt': ['Ghost', 'Arn'] })).toThrow(/Ghost\.Arn/);
  });

  it('returns a plain Fn::Sub template unchanged', () => {
    expect(resolve({ 'Fn::Sub': 'no variables here' })).toBe('no variables here');
  });

  it('substitutes pseudo parameters and Refs in Fn::Sub', () => {
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${MediaBucket}/*' })).toBe('arn:aws:s3:::media-local/*');
  });

  it('substitutes ${Resource.Attribute} in Fn::Sub through GetAtt', () => {
    expect(resolve({ 'Fn::Sub': '${UserPool.ProviderURL}/.well-known/jwks.json' })).toBe(
      'http://localhost:9229/us-east-1_local/.well-known/jwks.json',
    );
  });

  it('substitutes the variables map of Fn::Sub, resolving intrinsics inside it', () => {
    const sub = {
      'Fn::Sub': ['${Bucket}-${Suffix}-${AWS::Region}', { Bucket: { Ref: 'MediaBucket' }, Suffix: 'thumbs' }],
    };
    expect(resolve(sub)).toBe('media-local-thumbs-us-east-1');
  });

  it('lets a Fn::Sub variable shadow a resource of the same name', () => {
    expect(resolve({ 'Fn::Sub': ['${MediaBucket}', { MediaBucket: 'override' }] })).toBe('override');
  });

  it('throws with the name for an unknown variable in Fn::Sub', () => {
    expect(() => resolve({ 'Fn::Sub': 'x-${Missing}' })).toThrow(/Missing/);
  });

  it('joins Fn::Join parts with the separator, resolving each', () => {
    expect(resolve({ 'Fn::Join': ['', ['arn:aws:s3:::', { Ref: 'MediaBucket' }, '/uploads/*']] })).toBe(
      'arn:aws:s3:::media-local/uploads/*',
    );
  });

  it('picks the element at the index with Fn::Select', () => {
    expect(resolve({ 'Fn::Select': [1, ['a', { Ref: 'MediaBucket' }, 'c']] })).toBe('media-local');
  });

  it('splits a string with Fn::Split', () => {
    expect(resolve({ 'Fn::Split': [':', 'arn:aws:sns'] })).toEqual(['arn', 'aws', 'sns']);
  });

  it('resolves nested intrinsics', () => {
    const topicName = { 'Fn::Select': [5, { 'Fn::Split': [':', { Ref: 'UploadsTopic' }] }] };
    expect(resolve({ 'Fn::Join': ['-', [topicName, { 'Fn::Sub': '${AWS::StackName}' }]] })).toBe('uploads-local');
  });

  it('resolves intrinsics inside plain objects and arrays', () => {
    expect(resolve({ Bucket: { Ref: 'MediaBucket' }, Topics: [{ Ref: 'UploadsTopic' }], Retries: 2 })).toEqual({
      Bucket: 'media-local',
      Topics: [refs.UploadsTopic],
      Retries: 2,
    });
  });

  it('resolves a single-key plain object that is not an intrinsic', () => {
    expect(resolve({ TABLE: { Ref: 'MediaBucket' } })).toEqual({ TABLE: 'media-local' });
  });

  it('throws for the unsupported Fn::ImportValue', () => {
    expect(() => resolve({ 'Fn::ImportValue': 'shared-vpc-id' })).toThrow(/Fn::ImportValue/);
  });
});

describe('resolveIntrinsics edge cases', () => {
  it('splits a dotted Fn::GetAtt at the first dot only', () => {
    const v: LocalValues = {
      ref: () => undefined,
      getAtt: (id, attr) => (id === 'Db' && attr === 'Endpoint.Address' ? 'db.local' : undefined),
    };
    expect(resolveIntrinsics({ 'Fn::GetAtt': 'Db.Endpoint.Address' }, v, pseudo)).toBe('db.local');
  });

  it('turns ${!Literal} in Fn::Sub into the text ${Literal}', () => {
    expect(resolve({ 'Fn::Sub': 'keep ${!Literal} and ${AWS::Region}' })).toBe('keep ${Literal} and us-east-1');
  });
});
