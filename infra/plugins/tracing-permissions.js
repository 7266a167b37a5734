'use strict';
// With `provider.tracing.lambda`, osls grants the X-Ray write actions to its shared role only;
// serverless-iam-roles-per-function builds each function's role without them, so traces would be
// dropped. Grant exactly those two actions (X-Ray has no resource-level permissions for them) to the
// role of every traced function. Runs after the per-function roles exist (listed after that plugin).
const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

class TracingPermissions {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.grant() };
  }

  grant() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      if (resource.Properties.TracingConfig?.Mode !== 'Active') continue;
      const roleId = resource.Properties.Role?.['Fn::GetAtt']?.[0];
      const role = roleId && template.Resources[roleId];
      const statements = role?.Properties?.Policies?.[0]?.PolicyDocument?.Statement;
      if (!statements) continue;
      if (statements.some((s) => [s.Action].flat().includes(XRAY_ACTIONS[0]))) continue;
      statements.push({ Effect: 'Allow', Action: XRAY_ACTIONS, Resource: '*' });
    }
  }
}

module.exports = TracingPermissions;
