'use strict';
// osls always creates the shared IamRoleLambdaExecution role (and, for stream events, grants it
// stream and destination rights) even when every function has its own role through
// serverless-iam-roles-per-function. An unused role with permissions is still a grant: remove it
// from the compiled template when no function refers to it.
class DropUnusedDefaultRole {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.drop() };
  }

  drop() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const name = 'IamRoleLambdaExecution';
    if (!template.Resources[name]) return;
    const { [name]: role, ...others } = template.Resources;
    if (JSON.stringify(others).includes(`"${name}"`) || JSON.stringify(template.Outputs ?? {}).includes(`"${name}"`))
      return;
    delete template.Resources[name];
    this.serverless.cli.log(`Removed the unused shared role ${name}: every function has its own role.`);
  }
}

module.exports = DropUnusedDefaultRole;
