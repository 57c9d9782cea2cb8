/**
 * Finds the Envoy configs inside arbitrary manifests, each with the Envoy message type it is read
 * as and the place inside the object where it sits:
 *
 * - ConfigMap `data` values recognized by their shape (never by key name alone): an Envoy
 *   Bootstrap has `static_resources` or `dynamic_resources`, or an `admin` whose `address` is a
 *   socket address or a pipe; a file-based xDS document (SDS, LDS, CDS files) is a
 *   DiscoveryResponse whose `resources` are all `@type`d Envoy messages. Values under `.json`
 *   keys, or starting with `{`, are read as JSON; values under `.yaml`/`.yml` keys as YAML;
 *   other values are passed over. A value under a key with "envoy" in its name that doesn't
 *   parse is reported.
 * - marin3r EnvoyConfig `spec.resources[].value` by `type`, and the deprecated
 *   `spec.envoyResources.<kind>[].value` strings, parsed as `spec.serialization` says (json by
 *   default).
 * - Istio EnvoyFilter `spec.configPatches[].patch.value` by `applyTo`, read as a fragment
 *   (`partial`) for `MERGE`.
 *
 * The annotation `envoy.meshkit.dev/validate: "false"` on an object turns its Envoy checks off.
 */
import { isScalar, parseDocument, Scalar, visit } from 'yaml';
import { isCyclic, Segment } from './documents';
import { ManifestRule } from './rules';
import { ownValue } from '../../common/objects';
import { EnvoyConfigValidator } from '../envoy/envoy-config-validator';

/** The annotation that turns the Envoy checks of one object off. */
export const SKIP_ENVOY_ANNOTATION = 'envoy.meshkit.dev/validate';

const DISCOVERY_RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

/** One Envoy config found in a manifest. @internal */
export interface EmbeddedEnvoyConfig {
  /** The rule its findings belong to. */
  readonly rule: ManifestRule;
  /** The Envoy message type it is validated as. */
  readonly typeName: string;
  /** Whether it is a fragment merged into a full config (EnvoyFilter MERGE). */
  readonly partial: boolean;
  /** The config, parsed. */
  readonly config: unknown;
  /** Where it sits in the manifest: the value itself, or the string that holds it serialized. */
  readonly path: readonly Segment[];
  /** Whether `path` points at a string holding the config serialized. */
  readonly serialized: boolean;
  /** What it is, for messages: `data["envoy.json"] (Bootstrap)`. */
  readonly description: string;
}

/** A value that should hold an Envoy config but doesn't parse. @internal */
export interface UnreadableEnvoyConfig {
  readonly rule: ManifestRule;
  readonly path: readonly Segment[];
  readonly description: string;
  readonly message: string;
  /** What to do; by default, write the value as valid JSON or YAML. */
  readonly fix?: string;
}

/** What one manifest holds. @internal */
export interface FoundEnvoyConfigs {
  readonly configs: EmbeddedEnvoyConfig[];
  readonly unreadable: UnreadableEnvoyConfig[];
  /** Whether the object is of a kind that can hold Envoy config (even if it holds none). */
  readonly envoyKind: boolean;
  /** Whether the annotation turned the checks off. */
  readonly skipped: boolean;
}

/** marin3r `resources[].type` → Envoy message type. */
const MARIN3R_TYPES: Readonly<Record<string, string>> = {
  listener: EnvoyConfigValidator.LISTENER,
  route: EnvoyConfigValidator.ROUTE_CONFIGURATION,
  scopedRoute: EnvoyConfigValidator.SCOPED_ROUTE_CONFIGURATION,
  cluster: EnvoyConfigValidator.CLUSTER,
  endpoint: EnvoyConfigValidator.CLUSTER_LOAD_ASSIGNMENT,
  secret: EnvoyConfigValidator.SECRET,
  runtime: EnvoyConfigValidator.RUNTIME,
  extensionConfig: EnvoyConfigValidator.TYPED_EXTENSION_CONFIG,
};

/** marin3r's deprecated `envoyResources.<list>` → Envoy message type (`secrets` are references, not configs). */
const MARIN3R_LEGACY_TYPES: Readonly<Record<string, string>> = {
  listeners: EnvoyConfigValidator.LISTENER,
  routes: EnvoyConfigValidator.ROUTE_CONFIGURATION,
  scopedRoutes: EnvoyConfigValidator.SCOPED_ROUTE_CONFIGURATION,
  clusters: EnvoyConfigValidator.CLUSTER,
  endpoints: EnvoyConfigValidator.CLUSTER_LOAD_ASSIGNMENT,
  runtimes: EnvoyConfigValidator.RUNTIME,
  extensionConfigs: EnvoyConfigValidator.TYPED_EXTENSION_CONFIG,
};

/** Istio EnvoyFilter `applyTo` → the Envoy message type of the patch value. */
const ENVOY_FILTER_TYPES: Readonly<Record<string, string>> = {
  LISTENER: EnvoyConfigValidator.LISTENER,
  FILTER_CHAIN: 'envoy.config.listener.v3.FilterChain',
  NETWORK_FILTER: 'envoy.config.listener.v3.Filter',
  HTTP_FILTER: EnvoyConfigValidator.HTTP_FILTER,
  ROUTE_CONFIGURATION: EnvoyConfigValidator.ROUTE_CONFIGURATION,
  VIRTUAL_HOST: 'envoy.config.route.v3.VirtualHost',
  HTTP_ROUTE: 'envoy.config.route.v3.Route',
  CLUSTER: EnvoyConfigValidator.CLUSTER,
  EXTENSION_CONFIG: EnvoyConfigValidator.TYPED_EXTENSION_CONFIG,
  BOOTSTRAP: EnvoyConfigValidator.BOOTSTRAP,
  LISTENER_FILTER: 'envoy.config.listener.v3.ListenerFilter',
};

/** The Envoy configs in one manifest. Never throws. @internal */
export function findEnvoyConfigs(manifest: unknown): FoundEnvoyConfigs {
  const m = obj(manifest);
  const kind = typeof m?.kind === 'string' ? m.kind : '';
  const group = typeof m?.apiVersion === 'string' && m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
  const result: FoundEnvoyConfigs = { configs: [], unreadable: [], envoyKind: false, skipped: false };
  if (!m) return result;
  let found: FoundEnvoyConfigs;
  if (kind === 'ConfigMap' && group === '') found = fromConfigMap(m);
  else if (kind === 'EnvoyConfig' && group === 'marin3r.3scale.net') found = fromEnvoyConfig(m);
  else if (kind === 'EnvoyFilter' && group === 'networking.istio.io') found = fromEnvoyFilter(m);
  else return result;
  const annotation = obj(obj(m.metadata)?.annotations)?.[SKIP_ENVOY_ANNOTATION];
  if (annotation === 'false') return { configs: [], unreadable: [], envoyKind: true, skipped: true };
  return found;
}

const IGNORED = '\u0000ignored:';

/**
 * YAML as Envoy reads it: keys tagged `!ignore` are dropped (Envoy's YAML loader skips them; they
 * hold anchors for the rest of the file), after their anchors are resolved. Throws on a syntax
 * error, as JSON.parse does.
 * @internal
 */
export function parseEnvoyYaml(text: string): unknown {
  // Envoy's loader tries null, bool and int64 (yaml-cpp's) on a plain scalar and keeps anything
  // else as text, floats too: yaml-cpp's tags first, the core schema's int and float tags left out
  const doc = parseDocument(text, {
    customTags: (tags) => [YAML_CPP_BOOL, YAML_CPP_INT, ...tags.filter((t) => typeof t !== 'object' || (t.tag !== 'tag:yaml.org,2002:int' && t.tag !== 'tag:yaml.org,2002:float'))],
  });
  if (doc.errors.length > 0) throw doc.errors[0];
  let n = 0;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.tag === '!ignore') pair.key = new Scalar(`${IGNORED}${n++}`);
      // keys are the text they are written as (yaml-cpp's as<std::string>()), "null" for a null
      else if (isScalar(pair.key) && pair.key.value === null) pair.key = new Scalar('null');
      else if (isScalar(pair.key) && pair.key.type === 'PLAIN' && typeof pair.key.source === 'string') pair.key = new Scalar(pair.key.source);
    },
  });
  return acyclic(n === 0 ? doc.toJS() : dropIgnored(doc.toJS()));
}

/**
 * YAML as marin3r reads an EnvoyConfig's `serialization: yaml` resources: Go's YAML 1.1 reader
 * (ghodss/yaml over go-yaml), merge keys applied, tags such as `!ignore` kept as plain keys, then
 * protojson. Throws on a syntax error.
 * @internal
 */
export function parseGoYaml(text: string): unknown {
  // go-yaml v2 reads no base-60 numbers (12:30) and keeps timestamps as text
  const doc = parseDocument(text, {
    version: '1.1',
    merge: true,
    customTags: (tags) => tags.filter((t) => typeof t !== 'object' || (t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp')),
  });
  if (doc.errors.length > 0) throw doc.errors[0];
  return acyclic(doc.toJS({ maxAliasCount: 100 }));
}

function acyclic(value: unknown): unknown {
  if (isCyclic(value)) throw new Error('an alias refers to a node that contains it (a cycle)');
  return value;
}

/**
 * The booleans of yaml-cpp, which Envoy's YAML loader tries first on every plain scalar: y, n,
 * yes, no, on, off (true and false are the core schema's), in lower, UPPER or Capitalised case.
 * So `value: on` is the boolean true to Envoy, not a string, and `use_remote_address: yes` is true.
 */
const YAML_CPP_BOOL = {
  identify: (v: unknown) => typeof v === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/,
  resolve: (s: string) => /^(?:y|yes|on)$/i.test(s),
};

/**
 * yaml-cpp's integers, which Envoy's loader tries after booleans: the base follows the prefix
 * (`0644` is octal 420, `0x1f` hex), a value outside int32 becomes a decimal string in the JSON
 * Envoy parses (so `value: 12345678901` is a string to Envoy), one outside int64 stays as written.
 */
const YAML_CPP_INT = {
  identify: (v: unknown) => typeof v === 'number' && Number.isInteger(v),
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^[-+]?(?:0[0-7]*|0[xX][0-9a-fA-F]+|[1-9][0-9]*)$/,
  resolve: (s: string): number | string => {
    const negative = s.startsWith('-');
    const digits = s.replace(/^[-+]/, '');
    const value = BigInt(/^0[xX]/.test(digits) ? digits : /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits) * (negative ? -1n : 1n);
    if (value >= -2147483648n && value <= 2147483647n) return Number(value);
    // beyond int64 yaml-cpp's conversion fails and Envoy keeps the text as written
    return value >= -(2n ** 63n) && value < 2n ** 63n ? value.toString() : s;
  },
};

function dropIgnored(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropIgnored);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith(IGNORED)).map(([k, v]) => [k, dropIgnored(v)]));
}

function fromConfigMap(m: Json): FoundEnvoyConfigs {
  const configs: EmbeddedEnvoyConfig[] = [];
  const unreadable: UnreadableEnvoyConfig[] = [];
  for (const [key, value] of Object.entries(obj(m.data) ?? {})) {
    if (typeof value !== 'string') continue;
    const path = ['data', key];
    const description = `data[${JSON.stringify(key)}]`;
    const format = formatOf(key, value);
    if (!format) continue;
    let parsed: unknown;
    try {
      parsed = format === 'json' ? JSON.parse(value) : parseEnvoyYaml(value);
    } catch (e) {
      if (/envoy/i.test(key)) {
        unreadable.push({ rule: ManifestRule.ENVOY_CONFIGMAP, path, description, message: `is not valid ${format.toUpperCase()}: ${(e as Error).message.split('\n')[0]}` });
      }
      continue;
    }
    const typeName = isBootstrap(parsed) ? EnvoyConfigValidator.BOOTSTRAP : isDiscoveryResponse(parsed) ? DISCOVERY_RESPONSE : undefined;
    if (!typeName) continue;
    configs.push({
      rule: ManifestRule.ENVOY_CONFIGMAP,
      typeName,
      partial: false,
      config: parsed,
      path,
      serialized: true,
      description: `${description} (${typeName === DISCOVERY_RESPONSE ? 'file-based xDS DiscoveryResponse' : 'Bootstrap'})`,
    });
  }
  return { configs, unreadable, envoyKind: true, skipped: false };
}

function fromEnvoyConfig(m: Json): FoundEnvoyConfigs {
  const spec = obj(m.spec) ?? {};
  const configs: EmbeddedEnvoyConfig[] = [];
  const unreadable: UnreadableEnvoyConfig[] = marin3rStructure(m, spec);
  arr(spec.resources).forEach((r, i) => {
    const resource = obj(r);
    const typeName = typeof resource?.type === 'string' ? ownValue(MARIN3R_TYPES, resource.type) : undefined;
    // generateFrom* resources carry no config, and marin3r refuses a secret's value (reported above)
    if (!resource || !typeName || resource.value === undefined || resource.type === 'secret') return;
    configs.push({
      rule: ManifestRule.ENVOY_MARIN3R,
      typeName,
      partial: false,
      config: resource.value,
      path: ['spec', 'resources', i, 'value'],
      serialized: false,
      description: `spec.resources[${i}] (${resource.type}${nameOf(resource.value)})`,
    });
  });
  const serialization = spec.serialization === 'yaml' ? 'yaml' : 'json';
  for (const [list, typeName] of Object.entries(MARIN3R_LEGACY_TYPES)) {
    arr(obj(spec.envoyResources)?.[list]).forEach((r, i) => {
      const value = obj(r)?.value;
      if (typeof value !== 'string') return;
      const path = ['spec', 'envoyResources', list, i, 'value'];
      const description = `spec.envoyResources.${list}[${i}]`;
      let parsed: unknown;
      try {
        // marin3r reads the YAML itself (Go's reader), not Envoy
        parsed = serialization === 'json' ? JSON.parse(value) : parseGoYaml(value);
      } catch (e) {
        unreadable.push({
          rule: ManifestRule.ENVOY_MARIN3R,
          path,
          description,
          message: `is not valid ${serialization.toUpperCase()} (spec.serialization: ${spec.serialization ?? 'json, the default'}): ${(e as Error).message.split('\n')[0]}`,
        });
        return;
      }
      configs.push({ rule: ManifestRule.ENVOY_MARIN3R, typeName, partial: false, config: parsed, path, serialized: true, description: `${description}${nameOf(parsed, ' ')}` });
    });
  }
  return { configs, unreadable, envoyKind: true, skipped: false };
}

/**
 * What marin3r's EnvoyConfig webhook refuses before it looks at any Envoy proto: both or neither
 * of spec.resources and spec.envoyResources, and resources whose type doesn't go with their fields
 * (a secret comes from a Kubernetes Secret, never a value; an endpoint from a value or from
 * EndpointSlices; every other type from a value).
 */
function marin3rStructure(m: Json, spec: Json): UnreadableEnvoyConfig[] {
  const problems: UnreadableEnvoyConfig[] = [];
  const problem = (path: Segment[], description: string, message: string, fix: string) =>
    problems.push({ rule: ManifestRule.ENVOY_MARIN3R, path, description, message, fix });
  // the API server prunes nulls of a structural CRD, so null counts as unset
  const given = (v: unknown) => v !== undefined && v !== null;
  if (given(spec.resources) === given(spec.envoyResources)) {
    problem(['spec'], 'spec', !given(spec.resources) ? 'has neither resources nor envoyResources, one of which marin3r requires'
      : 'has both resources and envoyResources, which marin3r refuses', 'give spec.resources (envoyResources is deprecated)');
  }
  arr(spec.resources).forEach((r, i) => {
    const res = obj(r);
    if (!res || typeof res.type !== 'string') return;
    const at = (field: string): Segment[] => ['spec', 'resources', i, field];
    const description = `spec.resources[${i}] (${res.type})`;
    const set = (field: string) => res[field] !== undefined && res[field] !== null;
    if (res.type === 'secret') {
      if (!set('generateFromTlsSecret') && !set('generateFromOpaqueSecret')) {
        problem(at('generateFromTlsSecret'), description, 'names no Kubernetes Secret, which marin3r requires of a secret',
          'give generateFromTlsSecret (a kubernetes.io/tls Secret) or generateFromOpaqueSecret');
      }
      if (set('value')) problem(at('value'), description, 'has a value, which marin3r refuses for a secret', 'generate it from a Kubernetes Secret (generateFromTlsSecret or generateFromOpaqueSecret)');
    } else if (res.type === 'endpoint') {
      if (set('value') === set('generateFromEndpointSlices')) {
        problem(at('value'), description, `has ${set('value') ? 'both a value and generateFromEndpointSlices' : 'neither a value nor generateFromEndpointSlices'}, and marin3r wants one`,
          'give either the ClusterLoadAssignment as value or generateFromEndpointSlices');
      }
    } else if (!set('value')) {
      problem(at('value'), description, `has no value, which marin3r requires for a ${res.type}`, `give the ${res.type} as value`);
    }
    if (res.type !== 'secret') {
      for (const field of ['generateFromTlsSecret', 'blueprint']) {
        if (set(field)) problem(at(field), description, `sets ${field}, which marin3r allows for a secret only`, `drop ${field}`);
      }
    }
    if (res.type !== 'endpoint' && set('generateFromEndpointSlices')) {
      problem(at('generateFromEndpointSlices'), description, 'sets generateFromEndpointSlices, which marin3r allows for an endpoint only', 'drop generateFromEndpointSlices');
    }
  });
  const namespace = obj(m.metadata)?.namespace;
  arr(obj(spec.envoyResources)?.secrets).forEach((r, i) => {
    const ref = obj(obj(r)?.ref);
    if (ref && (typeof ref.name !== 'string' || ref.name === '')) {
      problem(['spec', 'envoyResources', 'secrets', i, 'ref', 'name'], `spec.envoyResources.secrets[${i}]`, 'has a ref without a name, which marin3r refuses',
        'name the Secret in ref.name, or drop ref (the secret\'s name is used)');
    }
    if (ref && typeof ref.namespace === 'string' && ref.namespace !== '' && namespace !== undefined && ref.namespace !== namespace) {
      problem(['spec', 'envoyResources', 'secrets', i, 'ref', 'namespace'], `spec.envoyResources.secrets[${i}]`,
        `refers to a Secret in namespace "${ref.namespace}", and marin3r reads Secrets of the EnvoyConfig's namespace only`, 'put the Secret in the EnvoyConfig\'s namespace');
    }
  });
  return problems;
}

function fromEnvoyFilter(m: Json): FoundEnvoyConfigs {
  const configs: EmbeddedEnvoyConfig[] = [];
  arr(obj(m.spec)?.configPatches).forEach((p, i) => {
    const patch = obj(p);
    const applyTo = typeof patch?.applyTo === 'string' ? patch.applyTo : '';
    const typeName = ownValue(ENVOY_FILTER_TYPES, applyTo);
    const operation = obj(patch?.patch)?.operation;
    const value = obj(patch?.patch)?.value;
    if (!typeName || operation === 'REMOVE' || value === undefined) return;
    const partial = operation === 'MERGE';
    configs.push({
      rule: ManifestRule.ENVOY_FILTER,
      typeName,
      partial,
      config: value,
      path: ['spec', 'configPatches', i, 'patch', 'value'],
      serialized: false,
      description: `spec.configPatches[${i}] (${applyTo} ${typeof operation === 'string' ? operation : '?'}${partial ? ', a fragment merged into the generated config' : ''})`,
    });
  });
  return { configs, unreadable: [], envoyKind: true, skipped: false };
}

/** JSON or YAML, by the key's extension or the value's first character; undefined for anything else. */
function formatOf(key: string, value: string): 'json' | 'yaml' | undefined {
  const lower = key.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return value.trimStart().startsWith('{') ? 'json' : undefined;
}

/** The shape of an Envoy Bootstrap: its top-level sections that no other common config has. */
function isBootstrap(x: unknown): boolean {
  const o = obj(x);
  if (!o) return false;
  if (['static_resources', 'staticResources', 'dynamic_resources', 'dynamicResources'].some((k) => obj(o[k]))) return true;
  const address = obj(obj(o.admin)?.address);
  return !!address && ['socket_address', 'socketAddress', 'pipe'].some((k) => obj(address[k]));
}

/** The shape of a file-based xDS document: `resources` that are all `@type`d Envoy messages. */
function isDiscoveryResponse(x: unknown): boolean {
  const resources = arr(obj(x)?.resources);
  return resources.length > 0 && resources.every((r) => {
    const type = obj(r)?.['@type'];
    return typeof type === 'string' && /^type\.googleapis\.com\/envoy\./.test(type);
  });
}

function nameOf(value: unknown, prefix = ' '): string {
  const name = obj(value)?.name;
  return typeof name === 'string' ? `${prefix}"${name}"` : '';
}

type Json = Record<string, any>;

function obj(x: unknown): Json | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : undefined;
}

function arr(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}
