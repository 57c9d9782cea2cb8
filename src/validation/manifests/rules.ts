/**
 * The rules of the manifest checks, their groups and severities, and the reading of the options
 * that choose them (which arrive from cdk8s.yaml as untyped YAML, so every entry is checked).
 */
import { ownValue } from '../../common/objects';
import { editDistance } from '../envoy/validator';
import { WiringRule, WiringSeverity, wiringSeverity } from '../wiring/model';

/** Every rule of the manifest checks, by stable id: the wiring rules and the Envoy rules. */
export enum ManifestRule {
  /** `manifest-syntax`: a manifest file that is not valid YAML (reported with file and line). */
  MANIFEST_SYNTAX = 'manifest-syntax',
  /** `envoy-configmap`: an Envoy bootstrap or file-based xDS document in a ConfigMap that Envoy would reject. */
  ENVOY_CONFIGMAP = 'envoy-configmap',
  /** `envoy-marin3r`: a resource of a marin3r EnvoyConfig that Envoy would reject. */
  ENVOY_MARIN3R = 'envoy-marin3r',
  /** `envoy-filter`: an Istio EnvoyFilter patch value that Envoy would reject. */
  ENVOY_FILTER = 'envoy-filter',
  /** `envoy-warning`: deprecated or work-in-progress Envoy fields, and types the check can't read. */
  ENVOY_WARNING = 'envoy-warning',
  /** `gateway-selector`: a Gateway's selector matches no ingress gateway pods. */
  GATEWAY_SELECTOR = 'gateway-selector',
  /** `virtualservice-gateway`: a VirtualService names a Gateway that doesn't exist. */
  VIRTUALSERVICE_GATEWAY = 'virtualservice-gateway',
  /** `host-mismatch`: hosts disagree between a Gateway and a VirtualService, Certificate or AuthorizationPolicy. */
  HOST_MISMATCH = 'host-mismatch',
  /** `credential-name`: a Gateway's `credentialName` Secret isn't in the ingress gateway's namespace. */
  CREDENTIAL_NAME = 'credential-name',
  /** `gateway-port-name`: two servers of one Gateway share a port name. */
  GATEWAY_PORT_NAME = 'gateway-port-name',
  /**
   * `gateway-shared-certificate`: two Gateways of one ingress serve the same certificate, so
   * browsers that reuse an HTTP/2 connection across their hosts can get 404s (Istio's IST0138).
   */
  GATEWAY_SHARED_CERTIFICATE = 'gateway-shared-certificate',
  /** `destination-service`: a VirtualService routes to a host no Service or ServiceEntry defines. */
  DESTINATION_SERVICE = 'destination-service',
  /** `destination-port`: a VirtualService routes to a port its destination Service doesn't have. */
  DESTINATION_PORT = 'destination-port',
  /** `service-selector`: a Service's selector selects no pods. */
  SERVICE_SELECTOR = 'service-selector',
  /** `service-target-port`: a Service's targetPort isn't a port of the pods it selects. */
  SERVICE_TARGET_PORT = 'service-target-port',
  /**
   * `ext-authz-redirect`: a CUSTOM AuthorizationPolicy checks a host on every port of an ingress
   * whose Gateway redirects that host from HTTP to HTTPS, so a sign-in started over http:// can loop.
   */
  EXT_AUTHZ_REDIRECT = 'ext-authz-redirect',
  /**
   * `marin3r-discovery-service`: pods labelled for marin3r's sidecar injection in a namespace
   * without a DiscoveryService, whose pods marin3r's webhook refuses.
   */
  MARIN3R_DISCOVERY_SERVICE = 'marin3r-discovery-service',
}

/** How a rule's findings count. */
export enum ManifestRuleSeverity {
  /** `error`: the finding fails the check (and `cdk8s synth`). */
  ERROR = 'error',
  /** `warning`: the finding is reported, the check still passes. */
  WARNING = 'warning',
  /** `off`: the rule doesn't run. */
  OFF = 'off',
}

/** The Envoy rules, in the order they are listed. @internal */
export const ENVOY_RULES: readonly string[] = [
  ManifestRule.ENVOY_CONFIGMAP, ManifestRule.ENVOY_MARIN3R, ManifestRule.ENVOY_FILTER, ManifestRule.ENVOY_WARNING,
];

/** The wiring rules (the same ids as WiringRule). @internal */
export const WIRING_RULES: readonly string[] = Object.values(WiringRule);

const ALL_RULES: readonly string[] = [ManifestRule.MANIFEST_SYNTAX, ...ENVOY_RULES, ...WIRING_RULES];

/** Names that stand for several rules, in `rules` and `severities`. @internal */
export const RULE_GROUPS: Readonly<Record<string, readonly string[]>> = {
  all: ALL_RULES,
  envoy: ENVOY_RULES,
  wiring: WIRING_RULES,
};

const DEFAULT_SEVERITY: Readonly<Record<string, ManifestRuleSeverity>> = {
  [ManifestRule.ENVOY_WARNING]: ManifestRuleSeverity.WARNING,
  // the wiring rules whose findings are warnings (see wiringSeverity)
  ...Object.fromEntries(Object.values(WiringRule).filter((r) => wiringSeverity(r) === WiringSeverity.WARNING)
    .map((r) => [r, ManifestRuleSeverity.WARNING])),
};

const SEVERITIES: readonly string[] = Object.values(ManifestRuleSeverity);

/** The rules that run, each with the severity its findings get. @internal */
export type RuleSelection = ReadonlyMap<string, ManifestRuleSeverity.ERROR | ManifestRuleSeverity.WARNING>;

/**
 * Reads `rules` and `severities` into the rules that run. Throws, naming the entry, for an unknown
 * rule id, group or severity, or for a value of the wrong type.
 *
 * @param where what the options belong to, for the error (e.g. `cdk8s-meshkit validation plugin`)
 * @internal
 */
export function selectRules(where: string, rules: unknown, severities: unknown): RuleSelection {
  let chosen: readonly string[] = ALL_RULES;
  if (rules !== undefined) {
    if (!Array.isArray(rules)) {
      throw optionError(where, 'rules', `expected a list of rule ids or groups, received ${describeValue(rules)}`, `write e.g. rules: [envoy, ${WiringRule.GATEWAY_SELECTOR}]`);
    }
    chosen = unique(rules.flatMap((r, i) => expandRule(where, `rules[${i}]`, r)));
    // a syntax error keeps a file from being checked at all: it can't be left out by omission
    if (!chosen.includes(ManifestRule.MANIFEST_SYNTAX)) chosen = [ManifestRule.MANIFEST_SYNTAX, ...chosen];
  }
  const severity = new Map<string, ManifestRuleSeverity>(ALL_RULES.map((r) => [r, DEFAULT_SEVERITY[r] ?? ManifestRuleSeverity.ERROR]));
  if (severities !== undefined) {
    if (severities === null || typeof severities !== 'object' || Array.isArray(severities)) {
      throw optionError(where, 'severities', `expected a map of rule id or group to severity, received ${describeValue(severities)}`, `write e.g. severities: { envoy-warning: error, ${WiringRule.HOST_MISMATCH}: warning }`);
    }
    // groups first, then single rules, so that a rule's own entry wins over its group's
    const entries = Object.entries(severities as Record<string, unknown>)
      .sort(([a], [b]) => Number(isGroup(a)) === Number(isGroup(b)) ? 0 : isGroup(a) ? -1 : 1);
    for (const [key, value] of entries) {
      const ids = expandRule(where, `severities.${key}`, key);
      const level = readSeverity(where, `severities.${key}`, value);
      for (const id of ids) {
        if (id === ManifestRule.MANIFEST_SYNTAX && level === ManifestRuleSeverity.OFF) {
          if (isGroup(key)) continue; // "all: off" turns the checks off, not the reading of the files
          throw optionError(where, `severities.${key}`, 'received "off"', 'a file that is not valid YAML would pass unchecked; use "warning" to report it without failing');
        }
        severity.set(id, level);
      }
    }
  }
  const selection = new Map<string, ManifestRuleSeverity.ERROR | ManifestRuleSeverity.WARNING>();
  for (const id of ALL_RULES) {
    const level = severity.get(id)!;
    if (chosen.includes(id) && level !== ManifestRuleSeverity.OFF) selection.set(id, level);
  }
  return selection;
}

/** Whether `name` is a rule group: an own key of RULE_GROUPS (not "constructor" or "toString"). */
function isGroup(name: string): boolean {
  return ownValue(RULE_GROUPS, name) !== undefined;
}

function expandRule(where: string, prop: string, value: unknown): readonly string[] {
  if (typeof value !== 'string') {
    throw optionError(where, prop, `expected a rule id or group, received ${describeValue(value)}`, `use one of ${listRules()}`);
  }
  const group = ownValue(RULE_GROUPS, value);
  if (group) return group;
  if (ALL_RULES.includes(value)) return [value];
  const near = closest(value, [...ALL_RULES, ...Object.keys(RULE_GROUPS)]);
  throw optionError(where, prop, `unknown rule "${value}"`, `${near ? `did you mean "${near}"? ` : ''}use one of ${listRules()}`);
}

function readSeverity(where: string, prop: string, value: unknown): ManifestRuleSeverity {
  if (typeof value === 'string' && SEVERITIES.includes(value.toLowerCase())) return value.toLowerCase() as ManifestRuleSeverity;
  throw optionError(where, prop, `unknown severity ${describeValue(value)}`, `use one of ${SEVERITIES.join(', ')}`);
}

function listRules(): string {
  return `the groups ${Object.keys(RULE_GROUPS).join(', ')} or the rules ${ALL_RULES.join(', ')}`;
}

/** `<where>: <prop>: <what was received>; <what to do>`, the library's error shape. @internal */
export function optionError(where: string, prop: string, received: string, fix: string): Error {
  return new Error(`${where}: ${prop}: ${received}; ${fix}`);
}

/** Renders a value from YAML for an error message. @internal */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list (${JSON.stringify(value)})`;
  if (typeof value === 'object') return `a map (${JSON.stringify(value)})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The candidate nearest to `name` by edit distance, when it is near enough to be a typo. @internal */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4))) return best;
  // a singular for a plural ("severity" for "severities"), or a name cut short
  const stem = name.toLowerCase().slice(0, Math.max(4, name.length - 1));
  const partial = candidates.filter((c) => c.toLowerCase().startsWith(stem));
  return partial.length === 1 ? partial[0] : undefined;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
