// The Content stream drives the cleanup: when an item goes (deleted, or expired by TTL), its
// original and derivatives go too, through the stream mapping and the contentCleanup function.
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { api, postToS3, signUp, waitForProcessed } from '../../scripts/lib/client';
import { makeJpeg } from '../../scripts/lib/images';
import { clients, eventually, listKeys } from '../support/aws';
import { stackEndpoints } from '../support/endpoints';

const endpoints = stackEndpoints();

it('deletes the files of a removed item', async () => {
  const user = await signUp(endpoints);
  const jpeg = await makeJpeg(640, 480);
  const created = await api(endpoints, 'POST', '/content', {
    token: user.accessToken,
    body: { contentType: 'image/jpeg', size: jpeg.length },
  });
  await postToS3(created.body, jpeg, 'image/jpeg');
  const id = created.body.contentId as string;
  await waitForProcessed(endpoints, user.accessToken, id);
  const { s3, dynamo } = clients(endpoints);
  expect(await listKeys(s3, endpoints.bucket, `uploads/${user.userId}/${id}`)).toHaveLength(1);
  expect(await listKeys(s3, endpoints.bucket, `derived/${id}/`)).toHaveLength(2);

  await dynamo.send(new DeleteCommand({ TableName: endpoints.tables.ContentTable, Key: { contentId: id } }));

  await eventually('files to be deleted', async () => {
    const left = [
      ...(await listKeys(s3, endpoints.bucket, `uploads/${user.userId}/${id}`)),
      ...(await listKeys(s3, endpoints.bucket, `derived/${id}/`)),
    ];
    return left.length === 0 ? true : undefined;
  });
});
