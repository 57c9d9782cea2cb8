import { IConstruct } from 'constructs';
import { propError, show } from '../validation/errors';

/**
 * The agent options most deployments set. Each becomes an environment variable named `SIGSCI_`
 * plus the option name upper-cased with "-" turned into "_" (max-procs → `SIGSCI_MAX_PROCS`).
 * Any other option goes in `extraOptions`.
 */
export interface SigSciAgentOptions {
  /**
   * Most CPUs the agent uses (`max-procs`). The agent otherwise sizes itself to the node's CPUs,
   * not to the container's CPU limit.
   * @default - the container's CPU limit, rounded up to whole CPUs (1 with the default resources)
   */
  readonly maxProcs?: number;
  /**
   * Request header holding the real client IP when the agent sits behind a load balancer or
   * proxy (`client-ip-header`), e.g. "X-Forwarded-For".
   * @default - the agent's default (X-Forwarded-For, then the connection's address)
   */
  readonly clientIpHeader?: string;
  /**
   * Host name the agent reports to the console (`server-hostname`).
   * @default - the pod's host name
   */
  readonly serverHostname?: string;
  /**
   * Where the agent writes its log (`log-out`), e.g. "/dev/stdout".
   * @default - the agent's default (standard error)
   */
  readonly logOut?: string;
}

/** Option names that would put credentials into plain environment variables. */
const CREDENTIAL_OPTIONS = new Set(['accesskeyid', 'secretaccesskey', 'anonymous-ip-secret-key']);
const CREDENTIAL_WORDS = /(secret|password|passwd|token|accesskey)/;
/** Option names the construct sets itself, with the prop that controls each. */
const OWNED_OPTIONS: Record<string, string> = {
  'rpc-address': 'tmpDir (the socket follows the temporary volume)',
  'shared-cache-dir': 'tmpDir (the cache follows the temporary volume)',
  'envoy-grpc-address': 'grpcPort',
  'envoy-expect-response-data': 'expectResponseData',
  'revproxy-listener': 'reverseProxy',
  'startup-probe-listener': 'startupPort',
  'startup-probe-filepath': 'startupPort (the startup endpoint already gates the container)',
  'max-procs': 'options.maxProcs',
  'client-ip-header': 'options.clientIpHeader',
  'server-hostname': 'options.serverHostname',
  'log-out': 'options.logOut',
};
/** Options that turn on TLS on the agent's Envoy gRPC listener, which the Envoy cluster the construct configures doesn't speak. */
const GRPC_TLS_OPTIONS = new Set(['envoy-grpc-cert', 'envoy-grpc-key']);
const OPTION_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** The environment variable of an agent option: max-procs → SIGSCI_MAX_PROCS. @internal */
export function optionEnvName(option: string): string {
  return `SIGSCI_${option.toUpperCase().replace(/-/g, '_')}`;
}

/** What the user's options turn into, before the construct's own settings are added. @internal */
export function optionsEnv(
  scope: IConstruct, typed: SigSciAgentOptions, extra: { [option: string]: string }, cpuLimit: number | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  const maxProcs = typed.maxProcs ?? (cpuLimit !== undefined ? Math.max(1, Math.ceil(cpuLimit)) : undefined);
  if (maxProcs !== undefined) {
    if (!Number.isInteger(maxProcs) || maxProcs < 1) {
      throw propError(scope, 'options.maxProcs', `${show(maxProcs)} is not a whole number of CPUs`, 'use an integer of at least 1, e.g. the CPU limit of the agent container');
    }
    env[optionEnvName('max-procs')] = String(maxProcs);
  }
  const strings: Array<[keyof SigSciAgentOptions, string]> = [['clientIpHeader', 'client-ip-header'], ['serverHostname', 'server-hostname'], ['logOut', 'log-out']];
  for (const [prop, option] of strings) {
    const value = typed[prop];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') {
      throw propError(scope, `options.${prop}`, `received ${show(value)}`, `give a non-empty value for the agent's ${option} option, or leave it out`);
    }
    env[optionEnvName(option)] = value;
  }
  for (const option of Object.keys(extra ?? {}).sort()) {
    const prop = `extraOptions[${show(option)}]`;
    checkOptionName(scope, prop, option);
    const value = extra[option];
    if (typeof value !== 'string') {
      throw propError(scope, prop, `value ${show(value)} is not a string`, 'give option values as strings, e.g. "true" or "10s"');
    }
    env[optionEnvName(option)] = value;
  }
  return env;
}

function checkOptionName(scope: IConstruct, prop: string, option: string): void {
  if (typeof option !== 'string' || !OPTION_NAME.test(option)) {
    throw propError(scope, prop, `${show(option)} is not an agent option name (lower-case words joined by "-", as in the agent's config file)`,
      `use e.g. ${show(suggestOptionName(String(option)))}; the construct derives the SIGSCI_ environment variable itself`);
  }
  if (CREDENTIAL_OPTIONS.has(option) || CREDENTIAL_WORDS.test(option)) {
    throw propError(scope, prop, `${show(option)} would put a credential into a plain environment variable`,
      'agent keys come only from a Secret: pass them with credentials: SigSciCredentials.fromSecret(secret)');
  }
  if (GRPC_TLS_OPTIONS.has(option)) {
    throw propError(scope, prop, `${show(option)} would make the agent's Envoy gRPC listener speak TLS, while the Envoy cluster that calls it (sigsci-agent-grpc) stays plaintext: every check would fail, and with failureMode FAIL_CLOSED (the default) every request would get 503`,
      'leave it out: in a pod the agent listens on 127.0.0.1 only; for SigSciAgentService, encrypt with the mesh (Istio mTLS) instead');
  }
  const owner = OWNED_OPTIONS[option];
  if (owner) {
    throw propError(scope, prop, `${show(option)} is set by the construct`, `use ${owner} instead`);
  }
}

/** SIGSCI_MAX_PROCS, max_procs or MaxProcs → max-procs. */
function suggestOptionName(option: string): string {
  const s = option.replace(/^SIGSCI_/i, '').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s === '' ? 'max-procs' : s;
}
