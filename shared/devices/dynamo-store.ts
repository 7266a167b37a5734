import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '#shared/aws/dynamo';
import type { Device } from '#shared/devices/model';
import type { DeviceStore } from '#shared/devices/ports';

/** The index that finds a device by its id (derived from its token), whoever owns it. */
const BY_DEVICE_INDEX = 'byDevice';

/**
 * The Devices table: (userId, deviceId), one item per device a user registered, and the byDevice
 * index to find who holds a token now. The item is the Device as it is.
 */
export class DeviceRepository implements DeviceStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listFor(userId: string): Promise<Device[]> {
    const items = await queryAll<Device>(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'userId = :u',
      ExpressionAttributeValues: { ':u': userId },
      ConsistentRead: true,
    });
    return items.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  /**
   * The device's current row (the newest, should there be two). The index is eventually
   * consistent: a token registered by two users within the same moment may leave a row with each,
   * until that token registers again.
   */
  async find(deviceId: string): Promise<Device | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BY_DEVICE_INDEX,
        KeyConditionExpression: 'deviceId = :d',
        ExpressionAttributeValues: { ':d': deviceId },
      }),
    );
    const rows = (out.Items ?? []) as Device[];
    return rows.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0];
  }

  async save(device: Device, movedFrom?: string): Promise<void> {
    if (!movedFrom) {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: device }));
      return;
    }
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.tableName, Key: { userId: movedFrom, deviceId: device.deviceId } } },
          { Put: { TableName: this.tableName, Item: device } },
        ],
      }),
    );
  }

  async remove(userId: string, deviceId: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { userId, deviceId }, ReturnValues: 'ALL_OLD' }),
    );
    return Boolean(out.Attributes);
  }
}
