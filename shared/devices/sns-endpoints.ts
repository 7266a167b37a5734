import {
  CreatePlatformEndpointCommand,
  DeleteEndpointCommand,
  GetEndpointAttributesCommand,
  NotFoundException,
  SetEndpointAttributesCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { Platform } from '#shared/devices/model';
import type { PushEndpoints } from '#shared/devices/ports';

/**
 * SNS platform endpoints, one per device, on the stage's platform applications (their ARNs are
 * stage parameters: CloudFormation has no resource for a platform application). Follows SNS's
 * token-management guidance: create, or read the known endpoint back, and set the token and
 * Enabled again when SNS changed them (APNs and FCM report tokens gone; SNS then disables).
 */
export class SnsPushEndpoints implements PushEndpoints {
  constructor(
    private readonly sns: SNSClient,
    private readonly applications: Record<Platform, string>,
  ) {}

  async ensure(platform: Platform, token: string, known?: string): Promise<string> {
    if (known && (await this.refresh(known, token))) return known;
    const created = await this.sns.send(
      new CreatePlatformEndpointCommand({ PlatformApplicationArn: this.applications[platform], Token: token }),
    );
    const arn = created.EndpointArn!;
    // SNS answers an existing endpoint for a token it knows, possibly a disabled one.
    await this.refresh(arn, token);
    return arn;
  }

  async remove(endpointArn: string): Promise<void> {
    await this.sns.send(new DeleteEndpointCommand({ EndpointArn: endpointArn }));
  }

  /** Re-enables the endpoint with this token if needed; false when it no longer exists. */
  private async refresh(endpointArn: string, token: string): Promise<boolean> {
    try {
      const { Attributes = {} } = await this.sns.send(new GetEndpointAttributesCommand({ EndpointArn: endpointArn }));
      if (Attributes.Token !== token || Attributes.Enabled !== 'true') {
        await this.sns.send(
          new SetEndpointAttributesCommand({ EndpointArn: endpointArn, Attributes: { Token: token, Enabled: 'true' } }),
        );
      }
      return true;
    } catch (error) {
      if (error instanceof NotFoundException) return false;
      throw error;
    }
  }
}
