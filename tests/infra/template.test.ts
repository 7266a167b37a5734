// Asserts on the CloudFormation template `osls package` builds (no AWS credentials needed).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { apiRoutes } from '#shared/http/routes';
import { routeList } from '#shared/http/openapi';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string | string[] };
let resources: Record<string, Resource>;
let dir: string;
const root = path.resolve(__dirname, '..', '..');

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
/** Every policy statement of a function's own role. */
const statementsOf = (fnId: string): any[] =>
  resources[resources[fnId]!.Properties.Role['Fn::GetAtt'][0]]!.Properties.Policies.flatMap(
    (policy: any) => policy.PolicyDocument.Statement,
  );
const DATA_SERVICES = ['dynamodb', 's3', 'sns', 'sqs', 'cognito-idp', 'kms'];
const TABLE_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
/** The resources (as JSON) a function's role may write table items in. */
const writesOf = (fnId: string): string[] =>
  statementsOf(fnId)
    .filter((st: any) => [st.Action].flat().some((a: string) => TABLE_WRITES.includes(a)))
    .flatMap((st: any) => [st.Resource].flat().map((r: any) => JSON.stringify(r)));
/** The tables whose streams a function reads (resource ids). */
const streamSourcesOf = (fnId: string): string[] =>
  ofType('AWS::Lambda::EventSourceMapping')
    .filter(([, m]) => m.Properties.FunctionName['Fn::GetAtt'][0] === fnId)
    .map(([, m]) => m.Properties.EventSourceArn['Fn::GetAtt'][0])
    .sort();

const PUSHERS = ['NotifierLambdaFunction', 'PushFlusherLambdaFunction'];
const text = (r: any) => (typeof r === 'string' ? r : r['Fn::Sub']);
const appArns = ['app/APNS/media-share-ci', 'app/APNS_SANDBOX/media-share-ci-sandbox', 'app/GCM/media-share-ci'].map(
  (a) => `arn:\${AWS::Partition}:sns:\${AWS::Region}:\${AWS::AccountId}:${a}`,
);
const endpointArns = appArns.map((a) => `${a.replace(':app/', ':endpoint/')}/*`);
/** A function's SNS grants: actions and resources (as the template writes them) per statement. */
const snsGrants = (fnId: string) =>
  statementsOf(fnId)
    .filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('sns:')))
    .map((st: any) => ({ actions: [st.Action].flat().sort(), resources: [st.Resource].flat().map(text).sort() }));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'media-share-package-'));
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  // serverless-esbuild (1.57) zips each function through a temporary folder that it fails to
  // remove (a non-recursive remove of a full folder): give it one inside `dir`, removed below.
  const tmp = path.join(dir, 'tmp');
  await mkdir(tmp);
  await promisify(execFile)(
    path.join(root, 'node_modules', '.bin', 'osls'),
    ['package', '--stage', 'ci', '--package', path.join(dir, 'package')],
    {
      cwd: root,
      env: { ...env, TMPDIR: tmp, AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  resources = JSON.parse(
    await readFile(path.join(dir, 'package', 'cloudformation-template-update-stack.json'), 'utf8'),
  ).Resources;
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('packaged template', () => {
  it('gives every function its own role and runs it on nodejs22.x', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(6);
    const roles = functions.map(([, fn]) => fn.Properties.Role?.['Fn::GetAtt']?.[0]);
    expect(roles.every(Boolean)).toBe(true);
    expect(new Set(roles).size).toBe(functions.length);
    expect(ofType('AWS::IAM::Role').length).toBe(functions.length);
    for (const [, fn] of functions) expect(fn.Properties.Runtime).toBe('nodejs22.x');
  });

  it('traces every function with X-Ray, lets its own role write traces and nothing more of X-Ray, and names the metrics namespace', () => {
    for (const [fnId, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties.TracingConfig, fnId).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment?.Variables?.POWERTOOLS_METRICS_NAMESPACE, fnId).toBe('media-share');
      const xray = statementsOf(fnId)
        .flatMap((st: any) => [st.Action].flat())
        .filter((action: string) => action.startsWith('xray:'));
      expect(xray.sort(), fnId).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  it('grants data actions only on named resources, never on *', () => {
    const offenders: string[] = [];
    for (const [roleId, role] of ofType('AWS::IAM::Role')) {
      for (const policy of role.Properties.Policies ?? []) {
        for (const statement of policy.PolicyDocument.Statement) {
          const actions: string[] = [statement.Action].flat();
          const data = actions.filter((a) => DATA_SERVICES.includes(a.split(':')[0]!));
          if (!data.length) continue;
          for (const action of data)
            if (action.endsWith(':*') || action === '*') offenders.push(`${roleId}: wildcard action ${action}`);
          for (const resource of [statement.Resource].flat()) {
            if (resource === '*' || resource === undefined) offenders.push(`${roleId}: ${data.join(',')} on *`);
            // The ARN text, whether literal or inside Fn::Sub: no whole-bucket object grant
            // (`...${MediaBucket}/*`, `arn:aws:s3:::*`) and no ARN ending in a bare wildcard.
            const arn =
              typeof resource === 'string'
                ? resource
                : typeof resource?.['Fn::Sub'] === 'string'
                  ? resource['Fn::Sub']
                  : '';
            if (/:::\*$|\}\/\*$|:\*$|^\*$/.test(arn)) offenders.push(`${roleId}: ${data.join(',')} on ${arn}`);
          }
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('blocks public access to the media bucket and refuses plain HTTP', () => {
    const media = resources.MediaBucket!;
    expect(media.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket?.Ref === 'MediaBucket')![1];
    const deny = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Effect === 'Deny');
    expect(deny.Condition.Bool['aws:SecureTransport']).toBe('false');
    expect(media.Properties.CorsConfiguration.CorsRules[0].AllowedMethods).toContain('POST');
  });

  it('notifies one topic of uploads from S3, and both processing functions subscribe to it', () => {
    const media = resources.MediaBucket!;
    const n = media.Properties.NotificationConfiguration;
    expect(n.LambdaConfigurations ?? []).toEqual([]);
    expect(n.QueueConfigurations ?? []).toEqual([]);
    const uploads = n.TopicConfigurations.filter((c: any) =>
      c.Filter.S3Key.Rules.some((r: any) => r.Name === 'prefix' && r.Value === 'uploads/'),
    );
    expect(uploads).toHaveLength(1);
    expect(uploads[0].Topic).toEqual({ Ref: 'UploadsTopic' });
    // S3 refuses two configurations with the same event type and overlapping prefixes.
    const all = [...(n.TopicConfigurations ?? []), ...(n.LambdaConfigurations ?? []), ...(n.QueueConfigurations ?? [])];
    for (let i = 0; i < all.length; i++)
      for (let j = i + 1; j < all.length; j++) {
        const prefix = (c: any) => c.Filter?.S3Key?.Rules?.find((r: any) => r.Name === 'prefix')?.Value ?? '';
        const overlap = prefix(all[i]).startsWith(prefix(all[j])) || prefix(all[j]).startsWith(prefix(all[i]));
        expect(overlap && all[i].Event === all[j].Event).toBe(false);
      }
    // The bucket waits for the policy that lets S3 publish.
    expect([media.DependsOn].flat()).toContain('UploadsTopicPolicy');
    const topicPolicy = resources.UploadsTopicPolicy!.Properties.PolicyDocument.Statement[0];
    expect(topicPolicy.Principal).toEqual({ Service: 's3.amazonaws.com' });
    expect(topicPolicy.Condition.ArnLike['aws:SourceArn']).toBeDefined();

    // An AWS-managed aws/sns key cannot grant s3.amazonaws.com: S3 could not publish.
    expect(resources.UploadsTopic!.Properties.KmsMasterKeyId ?? '').not.toBe('alias/aws/sns');

    const subscribers = ofType('AWS::SNS::Subscription')
      .filter(([, s]) => s.Properties.TopicArn?.Ref === 'UploadsTopic' && s.Properties.Protocol === 'lambda')
      .map(([, s]) => s.Properties.Endpoint['Fn::GetAtt'][0]);
    expect(subscribers.sort()).toEqual(['MetadataLambdaFunction', 'ThumbnailLambdaFunction']);
  });

  it('gives every stream mapping partial batch responses, bisect, bounded retries and an on-failure destination', () => {
    // (A queue's mapping has none of these: its queue's redrive policy bounds retries, checked below.)
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => m.Properties.EventSourceArn['Fn::GetAtt']?.[1] === 'StreamArn',
    );
    expect(mappings.length).toBeGreaterThan(0);
    for (const [id, m] of mappings) {
      const p = m.Properties;
      expect(p.FunctionResponseTypes, id).toContain('ReportBatchItemFailures');
      expect(p.BisectBatchOnFunctionError, id).toBe(true);
      expect(p.MaximumRetryAttempts, id).toBeGreaterThanOrEqual(0);
      expect(p.MaximumRetryAttempts, id).toBeLessThanOrEqual(10);
      const destination = p.DestinationConfig?.OnFailure?.Destination;
      expect(destination, id).toBeDefined();
      // The function's own role may send to that destination.
      const fnId = p.FunctionName['Fn::GetAtt'][0];
      const statements = statementsOf(fnId);
      expect(
        statements.some(
          (s: any) =>
            [s.Action].flat().includes('sqs:SendMessage') && JSON.stringify(s.Resource) === JSON.stringify(destination),
        ),
        id,
      ).toBe(true);
    }
  });

  it('subscribes the feed builder to both streams and the trimmer to the Feed stream; only they write the Feed table, and nothing else', () => {
    expect(streamSourcesOf('FeedBuilderLambdaFunction')).toEqual(['ContentTable', 'FriendshipsTable']);
    const feedTable = JSON.stringify({ 'Fn::GetAtt': ['FeedTable', 'Arn'] });
    expect(writesOf('FeedBuilderLambdaFunction')).toEqual([feedTable]);
    expect(writesOf('FeedTrimmerLambdaFunction')).toEqual([feedTable]);
    expect(writesOf('GetFeedLambdaFunction')).toEqual([]);
    const feedWriters = ofType('AWS::Lambda::Function')
      .map(([id]) => id)
      .filter((id) => writesOf(id).includes(feedTable))
      .sort();
    expect(feedWriters).toEqual(['FeedBuilderLambdaFunction', 'FeedTrimmerLambdaFunction']);
    // The trimmer reads the Feed stream, batched, and only new entries of user partitions reach it.
    const trimmer = ofType('AWS::Lambda::EventSourceMapping').find(
      ([, m]) => m.Properties.FunctionName['Fn::GetAtt'][0] === 'FeedTrimmerLambdaFunction',
    )![1].Properties;
    expect(trimmer.EventSourceArn).toEqual({ 'Fn::GetAtt': ['FeedTable', 'StreamArn'] });
    expect(JSON.parse(trimmer.FilterCriteria.Filters[0].Pattern)).toEqual({
      eventName: ['INSERT'],
      dynamodb: { Keys: { feedKey: { S: [{ prefix: 'user#' }] } } },
    });
  });

  it("sends the media functions' failed asynchronous events to a queue the function may write to", () => {
    const configs = ofType('AWS::Lambda::EventInvokeConfig');
    for (const fnId of ['ThumbnailLambdaFunction', 'MetadataLambdaFunction']) {
      const config = configs.find(
        ([, c]) => JSON.stringify(c.Properties.FunctionName) === JSON.stringify({ Ref: fnId }),
      )?.[1];
      expect(config, fnId).toBeDefined();
      expect(config!.Properties.MaximumRetryAttempts, fnId).toBe(2);
      const destination = config!.Properties.DestinationConfig.OnFailure.Destination;
      const statements = statementsOf(fnId);
      expect(
        statements.some(
          (s: any) =>
            [s.Action].flat().includes('sqs:SendMessage') && JSON.stringify(s.Resource) === JSON.stringify(destination),
        ),
        fnId,
      ).toBe(true);
    }
  });

  it('puts the Lambda authorizer in front of every route but the public ones the API spec names', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route');
    expect(routes.length).toBeGreaterThan(0);
    const publicRoutes = new Set(
      routeList(apiRoutes())
        .filter((r) => !r.auth)
        .map((r) => `${r.method} ${r.path}`),
    );
    expect([...publicRoutes]).toEqual(['GET /openapi.json']);
    for (const [id, route] of routes) {
      if (publicRoutes.has(route.Properties.RouteKey)) {
        expect(route.Properties.AuthorizationType ?? 'NONE', id).toBe('NONE');
        continue;
      }
      expect(route.Properties.AuthorizationType, id).toBe('CUSTOM');
      expect(route.Properties.AuthorizerId, id).toEqual({ Ref: 'HttpApiAuthorizerJwt' });
    }
    const authorizer = resources.HttpApiAuthorizerJwt!.Properties;
    expect(authorizer.AuthorizerType).toBe('REQUEST');
    expect(authorizer.IdentitySource).toEqual(['$request.header.Authorization']);
  });

  it('lets the device functions, the notifier and the flusher touch only the endpoints of the stage platform applications, and no other function any', () => {
    expect(snsGrants('RegisterDeviceLambdaFunction')).toEqual([
      { actions: ['sns:CreatePlatformEndpoint'], resources: [...appArns].sort() },
      { actions: ['sns:GetEndpointAttributes', 'sns:SetEndpointAttributes'], resources: [...endpointArns].sort() },
    ]);
    expect(snsGrants('DeleteDeviceLambdaFunction')).toEqual([
      { actions: ['sns:DeleteEndpoint'], resources: [...endpointArns].sort() },
    ]);
    expect(snsGrants('ListDevicesLambdaFunction')).toEqual([]);
    // Pushes: Publish to the devices' endpoints, and DeleteEndpoint for the ones SNS reports disabled.
    for (const fnId of PUSHERS)
      expect(snsGrants(fnId), fnId).toEqual([
        { actions: ['sns:DeleteEndpoint', 'sns:Publish'], resources: [...endpointArns].sort() },
      ]);
    const endpointActions = /^sns:(CreatePlatformEndpoint|DeleteEndpoint|SetEndpointAttributes|GetEndpointAttributes)$/;
    for (const [fnId] of ofType('AWS::Lambda::Function')) {
      if (['RegisterDeviceLambdaFunction', 'DeleteDeviceLambdaFunction', ...PUSHERS].includes(fnId)) continue;
      const granted = snsGrants(fnId).flatMap((g: any) => g.actions.filter((a: string) => endpointActions.test(a)));
      expect(granted, fnId).toEqual([]);
      // Any other Publish goes to a topic of the stack, never to an endpoint or a wildcard.
      for (const grant of snsGrants(fnId).filter((g: any) => g.actions.includes('sns:Publish')))
        for (const resource of grant.resources) expect(JSON.stringify(resource), fnId).not.toMatch(/endpoint|\*/);
    }
    const env = resources.RegisterDeviceLambdaFunction!.Properties.Environment.Variables;
    expect(
      [
        env.APNS_PLATFORM_APPLICATION_ARN,
        env.APNS_SANDBOX_PLATFORM_APPLICATION_ARN,
        env.FCM_PLATFORM_APPLICATION_ARN,
      ].map(text),
    ).toEqual(appArns);
  });

  it('subscribes the notifier to the Content and Friendships streams; only it and the flusher write inbox entries, which expire', () => {
    expect(streamSourcesOf('NotifierLambdaFunction')).toEqual(['ContentTable', 'FriendshipsTable']);
    const notifications = JSON.stringify({ 'Fn::GetAtt': ['NotificationsTable', 'Arn'] });
    const devices = JSON.stringify({ 'Fn::GetAtt': ['DevicesTable', 'Arn'] });
    // Its own table, and the device rows of endpoints SNS reports disabled (DeleteItem only).
    for (const fnId of PUSHERS) expect(writesOf(fnId).sort(), fnId).toEqual([devices, notifications].sort());
    for (const fnId of PUSHERS)
      expect(
        statementsOf(fnId).filter((st: any) => JSON.stringify(st.Resource) === devices),
        fnId,
      ).toEqual([expect.objectContaining({ Action: ['dynamodb:Query', 'dynamodb:DeleteItem'] })]);
    const writers = ofType('AWS::Lambda::Function')
      .map(([id]) => id)
      .filter((id) => writesOf(id).includes(notifications))
      .sort();
    expect(writers).toEqual([
      'MarkNotificationsSeenLambdaFunction',
      'NotifierLambdaFunction',
      'PushFlusherLambdaFunction',
    ]);
    expect(resources.NotificationsTable!.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });

  it('carries push window ends on a delay queue with a dead-letter queue, sent by the pushers and read by the flusher only', () => {
    const queue = resources.PushWindowQueue!.Properties;
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['PushWindowDeadLetterQueue', 'Arn'] },
      maxReceiveCount: 5,
    });
    const [[, mapping]] = ofType('AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => m.Properties.EventSourceArn['Fn::GetAtt']?.[0] === 'PushWindowQueue',
    ) as [[string, Resource]];
    expect(mapping.Properties.FunctionName['Fn::GetAtt'][0]).toBe('PushFlusherLambdaFunction');
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    // The queue outlasts a failing flusher's retries (Lambda advises six times its timeout).
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * resources.PushFlusherLambdaFunction!.Properties.Timeout);
    const pushQueue = JSON.stringify({ 'Fn::GetAtt': ['PushWindowQueue', 'Arn'] });
    const sqsGrants = (fnId: string) =>
      statementsOf(fnId)
        .filter((st: any) => JSON.stringify(st.Resource) === pushQueue)
        .flatMap((st: any) => [st.Action].flat())
        .sort();
    expect(sqsGrants('NotifierLambdaFunction')).toEqual(['sqs:SendMessage']);
    expect(sqsGrants('PushFlusherLambdaFunction')).toEqual([
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
    for (const [fnId] of ofType('AWS::Lambda::Function'))
      if (!PUSHERS.includes(fnId)) expect(sqsGrants(fnId), fnId).toEqual([]);
  });

  it('lets a browser app on another origin send every request header the routes read and read every response header they document', () => {
    const [[, api]] = ofType('AWS::ApiGatewayV2::Api') as [[string, Resource]];
    const cors = api.Properties.CorsConfiguration;
    const lower = (names: string[] = []) => names.map((n) => n.toLowerCase());
    const routes = routeList(apiRoutes());
    const sent = new Set(routes.flatMap((r) => Object.keys(r.request?.headers?.shape ?? {})));
    const documented = new Set(
      routes.flatMap((r) =>
        Object.entries(r.responses).flatMap(([status, response]) =>
          /^2/.test(status) ? Object.keys(response.headers ?? {}) : [],
        ),
      ),
    );
    expect([...sent]).toContain('if-match');
    expect([...documented]).toEqual(expect.arrayContaining(['etag', 'location']));
    expect(lower(cors.AllowHeaders)).toEqual(expect.arrayContaining([...sent, 'authorization', 'content-type']));
    expect(lower(cors.ExposeHeaders)).toEqual(expect.arrayContaining([...documented]));
    expect(cors.AllowMethods).toEqual(expect.arrayContaining([...new Set(routes.map((r) => r.method))]));
  });
});
