import {
  DeleteEndpointCommand,
  EndpointDisabledException,
  NotFoundException,
  PublishCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { PushSender } from '#shared/notifications/ports';

/** Pushes through SNS: one Publish per device endpoint, one message for every platform (`MessageStructure: json`). */
export class SnsPushSender implements PushSender {
  constructor(private readonly sns: SNSClient) {}

  async publish(endpointArn: string, message: string): Promise<'sent' | 'gone'> {
    try {
      await this.sns.send(new PublishCommand({ TargetArn: endpointArn, Message: message, MessageStructure: 'json' }));
      return 'sent';
    } catch (error) {
      // APNs or FCM reported the token gone (SNS disabled the endpoint), or the endpoint was deleted.
      if (error instanceof EndpointDisabledException || error instanceof NotFoundException) return 'gone';
      throw error;
    }
  }

  async remove(endpointArn: string): Promise<void> {
    await this.sns.send(new DeleteEndpointCommand({ EndpointArn: endpointArn }));
  }
}
