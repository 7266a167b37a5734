import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';

// The local stack is wired from the same service definition that `osls package` deploys:
// `osls print` resolves ${file()}, ${param:}, ${sls:stage} and friends, and what is left are
// CloudFormation intrinsics, which `resolveIntrinsics` below evaluates against local resources.

export interface HttpApiEvent {
  method: string;
  path: string;
  authorizer?: { name: string };
}

export interface FunctionDefinition {
  handler: string;
  name?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, unknown>;
  events?: Array<Record<string, unknown>>;
}

export interface AuthorizerDefinition {
  type: 'request';
  functionName: string;
  identitySource?: string | string[];
  resultTtlInSeconds?: number;
  enableSimpleResponses?: boolean;
  payloadVersion?: string;
}

export interface Resource {
  Type: string;
  Properties?: Record<string, any>;
  DependsOn?: string | string[];
}

export interface ServiceDefinition {
  service: string;
  provider: {
    region: string;
    stage: string;
    timeout?: number;
    memorySize?: number;
    environment?: Record<string, unknown>;
    httpApi?: { cors?: unknown; authorizers?: Record<string, AuthorizerDefinition> };
  };
  functions: Record<string, FunctionDefinition>;
  resources: { Resources: Record<string, Resource>; Outputs?: Record<string, unknown> };
}

const exec = promisify(execFile);

export async function loadServiceDefinition(
  root: string,
  stage = 'local',
  params: Record<string, string | number> = {},
): Promise<ServiceDefinition> {
  const bin = path.join(root, 'node_modules', '.bin', 'osls');
  const paramArgs = Object.entries(params).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
  try {
    const { stdout } = await exec(bin, ['print', '--format', 'json', '--stage', stage, ...paramArgs], {
      cwd: root,
      maxBuffer: 32 * 1024 * 1024,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    });
    return JSON.parse(stdout.slice(stdout.indexOf('{'))) as ServiceDefinition;
  } catch (error) {
    // osls prints its error after an environment banner, on stdout or stderr: keep the part that says what is wrong.
    const output = [(error as { stdout?: string }).stdout, (error as { stderr?: string }).stderr]
      .filter(Boolean)
      .join('\n');
    const detail = output.includes('Error:')
      ? output.slice(output.indexOf('Error:')).trim()
      : output.trim() || (error as Error).message;
    throw new Error(`Could not resolve serverless.yml with 'osls print' (run npm install first?): ${detail}`);
  }
}

/** Values of Ref and Fn::GetAtt for the local resources, plus the pseudo parameters. */
export interface LocalValues {
  ref(logicalId: string): string | undefined;
  getAtt(logicalId: string, attribute: string): string | undefined;
}

export function pseudoParameters(region: string): Record<string, string> {
  return {
    'AWS::AccountId': LOCAL_ACCOUNT_ID,
    'AWS::Region': region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'local',
    'AWS::NoValue': '',
  };
}

export const LOCAL_ACCOUNT_ID = '000000000000';

/** Evaluates Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select and Fn::Split; throws on anything else. */
export function resolveIntrinsics(value: unknown, values: LocalValues, pseudo: Record<string, string>): unknown {
  const resolve = (v: unknown): unknown => resolveIntrinsics(v, values, pseudo);
  const str = (v: unknown): string => {
    const out = resolve(v);
    if (typeof out !== 'string' && typeof out !== 'number')
      throw new Error(`Expected a string, got ${JSON.stringify(out)}`);
    return String(out);
  };
  if (Array.isArray(value)) return value.map(resolve);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0]!;
    switch (fn) {
      case 'Ref': {
        const name = String(arg);
        const out = pseudo[name] ?? values.ref(name);
        if (out === undefined) throw new Error(`Ref ${name}: no such local resource`);
        return out;
      }
      case 'Fn::GetAtt': {
        const dotted = String(arg);
        const [id, attr] = Array.isArray(arg)
          ? arg.map(String)
          : [dotted.slice(0, dotted.indexOf('.')), dotted.slice(dotted.indexOf('.') + 1)];
        const out = values.getAtt(id!, attr!);
        if (out === undefined) throw new Error(`Fn::GetAtt ${id}.${attr}: not available locally`);
        return out;
      }
      case 'Fn::Sub': {
        const [template, vars] = Array.isArray(arg)
          ? [String(arg[0]), (arg[1] ?? {}) as Record<string, unknown>]
          : [String(arg), {}];
        return template.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
          if (literal) return `\${${name}}`; // ${!Literal} stands for the text ${Literal}
          if (name in vars) return str(vars[name]);
          if (pseudo[name] !== undefined) return pseudo[name]!;
          const dot = name.indexOf('.');
          return dot > 0 ? str({ 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] }) : str({ Ref: name });
        });
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolve(parts) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (resolve(list) as unknown[])[Number(resolve(index))];
      }
      case 'Fn::Split': {
        const [sep, source] = arg as [string, unknown];
        return str(source).split(sep);
      }
      default:
        if (fn.startsWith('Fn::')) throw new Error(`${fn} is not supported by the local stack`);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
}

/** Function environment: provider-level variables overlaid by the function's own, resolved. */
export function functionEnvironment(
  def: ServiceDefinition,
  fn: FunctionDefinition,
  values: LocalValues,
): Record<string, string> {
  const pseudo = pseudoParameters(def.provider.region);
  const merged = { ...(def.provider.environment ?? {}), ...(fn.environment ?? {}) };
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(merged)) {
    const value = resolveIntrinsics(raw, values, pseudo);
    out[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

export function resourcesOfType(def: ServiceDefinition, type: string): Array<[string, Resource]> {
  return Object.entries(def.resources?.Resources ?? {}).filter(([, r]) => r.Type === type);
}
