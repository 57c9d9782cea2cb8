import {
  EnumInfo, EnvoySchema, FieldInfo, MessageInfo, Rules, jsonName,
  K_ANY, K_BOOL, K_BYTES, K_DOUBLE, K_DURATION, K_ENUM, K_FIELD_MASK, K_FLOAT, K_INT32, K_INT64, K_LIST_VALUE,
  K_MESSAGE, K_NULL_VALUE, K_STRING, K_STRUCT, K_TIMESTAMP, K_UINT32, K_UINT64, K_VALUE,
} from './schema';

/*
 * Walks a proto3 JSON value (as Envoy's JSON/YAML config loader reads it) against the compiled
 * Envoy v3 API and reports, with the JSON path of each: unknown fields, wrong JSON types, bad
 * enum names, ill-formed or negative durations, unresolvable `@type`s (recursively, through
 * every Any and TypedStruct), the protoc-gen-validate rules of the protos, and deprecated or
 * work-in-progress fields (warnings).
 */

/** One problem found in an Envoy config. */
export interface Finding {
  /** JSON path of the value, e.g. `static_resources.clusters[0].name`; empty for the root. */
  readonly path: string;
  readonly message: string;
  /** the one thing to write instead, when there is one */
  readonly fix?: string;
}

export interface Findings {
  readonly errors: Finding[];
  readonly warnings: Finding[];
}

/** The type URL prefix Envoy's docs and configs use for Any. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

// compiled once, at module load
// as absl::SimpleAtoi / SimpleAtod read the strings protobuf's JSON parser hands them (a "+" too)
const INT_RE = /^[+-]?[0-9]+$/;
const FLOAT_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
/** An integer as a string that Go's protojson (marin3r) takes too: a JSON number without a fraction. */
const CANONICAL_INT_RE = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
/** A float as a string that JSON readers of other languages (Go's protojson: marin3r) take too. */
const CANONICAL_FLOAT_RE = /^(?:NaN|-?Infinity|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)$/;
const DURATION_RE = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/;
const TIMESTAMP_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$/;
const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;
const IDENTIFIER_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// protoc-gen-validate's well-known regexes (RFC 7230 header names and values; "strict: false" variants)
// PGV's own pattern, character for character: its "+-." is a range, so "," is accepted too
const HEADER_NAME_STRICT_RE = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/;
const HEADER_VALUE_STRICT_RE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const HEADER_LAX_RE = /^[^\u0000\u000A\u000D]*$/;

const INT_RANGES: Record<number, [number | bigint, number | bigint, string]> = {
  [K_INT32]: [-2147483648, 2147483647, 'int32'],
  [K_UINT32]: [0, 4294967295, 'uint32'],
  [K_INT64]: [-(2n ** 63n), 2n ** 63n - 1n, 'int64'],
  [K_UINT64]: [0, 2n ** 64n - 1n, 'uint64'],
};
const FLOAT_MAX = 3.4028234663852886e38;
/** Envoy's stricter limit (int64 nanoseconds, about 292 years). */
const ENVOY_DURATION_MAX_SECONDS = 9223372035;

const patternCache = new Map<string, RegExp>();

type Segment = string | number | { readonly mapKey: string };

/**
 * Validates `value` as the proto3 JSON of message type `typeName`.
 *
 * @param partial the value is a fragment to be merged into a config (an EnvoyFilter MERGE patch):
 * fields it leaves out are not reported, whatever the rules say
 */
export function validateEnvoyJson(value: unknown, typeName: string, partial = false): Findings {
  const walker = new Walker(EnvoySchema.get(), partial);
  walker.root(value, typeName);
  return { errors: walker.errors, warnings: walker.warnings };
}

class Walker {
  public readonly errors: Finding[] = [];
  public readonly warnings: Finding[] = [];
  private readonly segments: Segment[] = [];
  private readonly wipFilesSeen = new Set<string>();

  constructor(private readonly schema: EnvoySchema, private readonly partial: boolean) {}

  public root(value: unknown, typeName: string): void {
    const kind = this.schema.kindOf(typeName);
    if (this.schema.isWrapper(typeName)) {
      this.scalar(value, this.schema.message(typeName).fields[0].kind, typeName, undefined);
    } else {
      this.typed(value, kind, typeName, undefined);
    }
  }

  // ---- findings ---------------------------------------------------------------------------

  private error(message: string, fix?: string): void {
    this.errors.push(fix === undefined ? { path: this.path(), message } : { path: this.path(), message, fix });
  }

  private warn(message: string): void {
    this.warnings.push({ path: this.path(), message });
  }

  /** A number Envoy reads in a spelling Go's protojson (marin3r) refuses: `shown`, to be written as `canonical`. */
  private warnNumberSpelling(shown: string, canonical: string | number): void {
    this.warn(`${shown} is a number in a spelling Envoy's file loader accepts and JSON-reading control planes such as marin3r don't; write ${JSON.stringify(canonical)}`);
  }

  private path(): string {
    let out = '';
    for (const s of this.segments) {
      if (typeof s === 'number') out += `[${s}]`;
      else if (typeof s === 'string') out += IDENTIFIER_RE.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
      else out += `[${JSON.stringify(s.mapKey)}]`;
    }
    return out;
  }

  // ---- messages ---------------------------------------------------------------------------

  /** A value of any non-scalar kind (message, well-known type) or scalar kind. */
  private typed(value: unknown, kind: number, typeName: string, rules: Rules | undefined): void {
    switch (kind) {
      case K_MESSAGE:
        this.message(value, this.schema.message(typeName), undefined);
        break;
      case K_ANY:
        this.any(value);
        break;
      case K_DURATION:
        this.duration(value, rules);
        break;
      case K_TIMESTAMP:
        if (typeof value !== 'string' || !TIMESTAMP_RE.test(value)) {
          this.error(`expected an RFC 3339 timestamp string such as "2024-01-31T12:00:00Z", got ${describe(value)}`);
        }
        break;
      case K_STRUCT:
        if (!isObject(value)) this.error(`expected an object (google.protobuf.Struct), got ${describe(value)}`);
        break;
      case K_LIST_VALUE:
        if (!Array.isArray(value)) this.error(`expected a list (google.protobuf.ListValue), got ${describe(value)}`);
        break;
      case K_VALUE:
        break; // any JSON value
      case K_FIELD_MASK:
        if (typeof value !== 'string') this.error(`expected a field mask string such as "a.b,c", got ${describe(value)}`);
        break;
      default:
        this.scalar(value, kind, typeName, rules);
    }
  }

  private message(value: unknown, info: MessageInfo, skipKey: string | undefined): void {
    if (!isObject(value)) {
      this.error(`expected an object (${info.name}), got ${describe(value)}`);
      return;
    }
    if (info.workInProgress) {
      this.warn(`${info.name} is marked work-in-progress: not yet stable, and it may change in breaking ways`);
    }
    if (info.workInProgressFile !== undefined && !this.wipFilesSeen.has(info.workInProgressFile)) {
      // once per file and document: Envoy logs it for every message of the file it meets
      this.wipFilesSeen.add(info.workInProgressFile);
      this.warn(`${info.name} is declared in ${info.workInProgressFile}, a proto file marked work-in-progress: not yet stable, and it may change in breaking ways`);
    }
    const obj = value as Record<string, unknown>;
    let oneofKeys: Array<string | undefined> | undefined;
    // for-in (config objects are plain data) avoids allocating a key array per object
    for (const key in obj) {
      if (key === skipKey) continue;
      const v = obj[key];
      const field = info.byKey.get(key);
      if (field === undefined) {
        this.segments.push(key);
        const unknown = unknownField(key, obj, info, this.schema.source);
        this.error(unknown.message, unknown.fix);
        this.segments.pop();
        continue;
      }
      // protobuf's C++ parser records nothing for a null, so a null twin doesn't count there
      if (key !== field.name && obj[field.name] !== undefined) {
        if (obj[field.name] === null || v === null) {
          this.segments.push(key);
          this.warn(`is given twice, as "${field.name}" and "${key}", once null: Envoy's file loader accepts it, JSON-reading control planes such as marin3r don't; keep one`);
          this.segments.pop();
          if (v === null) continue;
        } else {
          this.segments.push(key);
          this.error(`is set twice, as "${field.name}" and "${key}"; keep one`);
          this.segments.pop();
          continue;
        }
      }
      if (v === undefined || (v === null && field.kind !== K_VALUE && field.kind !== K_NULL_VALUE)) continue; // not set
      if (field.oneof >= 0) {
        oneofKeys ??= new Array(info.oneofs.length);
        const other = oneofKeys[field.oneof];
        if (other !== undefined) {
          this.segments.push(key);
          this.error(`"${other}" is already set, and both belong to oneof ${info.oneofs[field.oneof].name}; set only one of ${names(info.oneofs[field.oneof].fields)}`);
          this.segments.pop();
          continue;
        }
        oneofKeys[field.oneof] = key;
      }
      this.segments.push(key);
      this.field(v, field);
      this.segments.pop();
    }
    if (!this.partial) this.absentFields(obj, info, oneofKeys);
    if (!this.partial && EXTENSION_MESSAGES.has(info.name)) this.extensionConfig(obj, info, skipKey);
    if (info.typedStruct) this.typedStruct(obj);
    if (info.transportChecked) this.transportVersion(obj, info);
  }

  /**
   * An extension named without its typed_config: Envoy looks extensions up by the type URL only
   * (since 1.22), so it answers `Didn't find a registered implementation for '<name>' with type
   * URL: ''`. A filter discovered over ECDS (config_discovery) or marked optional is exempt.
   */
  private extensionConfig(obj: Record<string, unknown>, info: MessageInfo, skipKey: string | undefined): void {
    if (obj.typed_config != null || obj.typedConfig != null || obj.config_discovery != null || obj.configDiscovery != null) return;
    if (info.name === HTTP_FILTER_MESSAGE && (obj.is_optional === true || obj.isOptional === true)) return;
    // a misspelt typed_config (or config_discovery) is reported as an unknown field already
    for (const key in obj) {
      if (key === skipKey || info.byKey.has(key)) continue;
      const k = key.toLowerCase();
      if (['typed_config', 'typedconfig', 'config_discovery', 'configdiscovery'].some((name) => editDistance(k, name) <= 3)) return;
    }
    const example = info.name === HTTP_FILTER_MESSAGE ? `, e.g. { "@type": "${TYPE_URL_PREFIX}envoy.extensions.filters.http.router.v3.Router" } for the router` : '';
    this.error(`${typeof obj.name === 'string' ? JSON.stringify(obj.name) : 'the extension'} has no typed_config; Envoy finds extensions by the "@type" of typed_config, not by name, and refuses one without `
      + '("Didn\'t find a registered implementation ... with type URL: \'\'", unless the runtime sets envoy.reloadable_features.no_extension_lookup_by_name to false); '
      + `add typed_config with the "@type" of the extension's config message${example}`);
  }

  /** Envoy's checkTransportVersion: a gRPC xDS or service client must say V3 (AUTO, the default, is refused). */
  private transportVersion(obj: Record<string, unknown>, info: MessageInfo): void {
    // ext_authz checks it for its gRPC client only
    if (info.name.endsWith('.ext_authz.v3.ExtAuthz') && (obj.http_service != null || obj.httpService != null)) return;
    const value = obj.transport_api_version ?? obj.transportApiVersion;
    // what protobuf's parser (case-insensitive names, digit strings) makes of it
    if (value === API_V3 || (typeof value === 'string' && (value.toUpperCase() === 'V3' || (INT_RE.test(value) && Number(value) === API_V3)))) return;
    if (value == null && this.partial) return;
    this.segments.push('transport_api_version');
    this.error(`${value == null ? 'missing' : `${JSON.stringify(value)} is refused`}; ${TRANSPORT_VERSION_PROBLEM}`);
    this.segments.pop();
  }

  /** Reports the fields and oneofs the object leaves out although the rules require them. */
  private absentFields(obj: Record<string, unknown>, info: MessageInfo, oneofKeys: Array<string | undefined> | undefined): void {
    const absent = info.absentChecks ?? (info.absentChecks = absentChecks(this.schema, info));
    for (let i = 0; i < absent.length; i++) {
      const field = absent[i];
      const a = obj[field.name];
      const b = obj[field.json];
      if ((a === undefined || a === null) && (b === undefined || b === null)) {
        this.segments.push(field.name);
        this.absentField(field);
        this.segments.pop();
      }
    }
    for (let i = 0; i < info.oneofs.length; i++) {
      const oneof = info.oneofs[i];
      if (oneof.required && (oneofKeys === undefined || oneofKeys[i] === undefined)) {
        this.error(`one of ${names(oneof.fields)} is required (oneof ${oneof.name})`);
      }
    }
  }

  private field(value: unknown, field: FieldInfo): void {
    const rules = field.rules;
    if (field.mapKey >= 0) {
      this.map(value, field, rules);
    } else if (field.repeated) {
      this.list(value, field, rules);
    } else {
      this.item(value, field, rules);
    }
    if (field.flagged && isSet(value, field, this.schema)) this.flagged(field);
  }

  private flagged(field: FieldInfo): void {
    if (field.disallowed) {
      this.error(`${field.fullName} is deprecated and disallowed by default: Envoy rejects it unless the runtime key "envoy.deprecated_features:${field.fullName}" is true; use its replacement`);
    } else if (field.deprecated) {
      this.warn(`${field.fullName} is deprecated: Envoy logs a warning and will remove it; use its replacement (see the Envoy API docs)`);
    }
    if (field.workInProgress) {
      this.warn(`${field.fullName} is marked work-in-progress: not yet stable, and it may change in breaking ways`);
    }
  }

  private list(value: unknown, field: FieldInfo, rules: Rules | undefined): void {
    if (!Array.isArray(value)) {
      this.error(`expected a list of ${field.typeName}, got ${describe(value)}`);
      return;
    }
    const itemRules = rules?.items;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      this.segments.push(i);
      if (item === null && field.kind !== K_VALUE) {
        this.error('null is not allowed in a list; remove the item');
      } else {
        this.item(item, field, itemRules);
      }
      this.segments.pop();
    }
    if (rules) {
      const size = sizeProblem(value.length, rules.minItems, rules.maxItems, ITEMS);
      if (size) this.error(`has ${count(value.length, ITEMS.one, ITEMS.many)}; ${size}`);
      if (rules.unique) {
        const seen = new Set<string>();
        // a number may be written as a JSON number or a string ("1.5"): compare the values
        const numeric = field.kind === K_DOUBLE || field.kind === K_FLOAT;
        for (const item of value) {
          const n = numeric ? parseFloating(item) : undefined;
          const key = n === undefined ? JSON.stringify(item) : String(n);
          if (seen.has(key)) {
            this.error(`${key} appears more than once; items must be unique`);
            break;
          }
          seen.add(key);
        }
      }
    }
  }

  private map(value: unknown, field: FieldInfo, rules: Rules | undefined): void {
    if (!isObject(value)) {
      this.error(`expected an object (a map of ${KEY_LABEL[field.mapKey] ?? 'string'} to ${field.typeName}), got ${describe(value)}`);
      return;
    }
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    const keyRules = rules?.keys;
    const valueRules = rules?.values;
    for (const key of keys) {
      this.segments.push({ mapKey: key });
      this.mapKey(key, field.mapKey, keyRules);
      const item = obj[key];
      if (item === null && field.kind === K_ENUM) {
        // protobuf's parser reads a map of enums value by value, and refuses null there
        this.error('null is not an enum value (protobuf refuses it in a map of enums: "expected number or string"); write the value\'s name or remove the entry');
      } else if (item === null && field.kind !== K_VALUE && field.kind !== K_NULL_VALUE) {
        // protobuf's C++ parser stores the default value (YAML's "key:" with nothing after it),
        // which the value's rules then check
        this.warn('null stands for the default value here: Envoy\'s file loader accepts it, JSON-reading control planes such as marin3r don\'t; write the value or remove the entry');
        const fallback = DEFAULT_VALUES[field.kind];
        if (fallback !== undefined) this.item(fallback, field, valueRules);
        else if (field.kind === K_MESSAGE || field.kind === K_ANY) this.item({}, field, valueRules);
      } else {
        this.item(item, field, valueRules);
      }
      this.segments.pop();
    }
    if (rules) {
      const size = sizeProblem(keys.length, rules.minPairs, rules.maxPairs, PAIRS);
      if (size) this.error(`has ${count(keys.length, PAIRS.one, PAIRS.many)}; ${size}`);
    }
  }

  /** One value of a field: the field itself, a list item or a map value. */
  private item(value: unknown, field: FieldInfo, rules: Rules | undefined): void {
    if (field.kind === K_MESSAGE) {
      this.message(value, field.messageInfo ?? (field.messageInfo = this.schema.message(field.typeName)), undefined);
    } else if (field.wrapper) {
      this.scalar(value, field.kind, field.typeName, rules);
    } else {
      this.typed(value, field.kind, field.typeName, rules);
    }
  }

  private mapKey(key: string, kind: number, rules: Rules | undefined): void {
    if (kind === K_STRING) {
      if (rules) {
        const problem = stringProblem(key, rules);
        if (problem) this.error(`map key ${problem}`);
      }
    } else if (kind === K_BOOL) {
      if (key !== 'true' && key !== 'false') this.error(`map key ${JSON.stringify(key)} is not a bool; use "true" or "false"`);
    } else {
      // protobuf reads integer map keys with absl::SimpleAtoi: digits, spaces around (no "1.0" as for values)
      const trimmed = trimAsciiSpace(key);
      const n = INT_RE.test(trimmed) ? parseInteger(trimmed, false) : undefined;
      if (n !== undefined && (trimmed !== key || !CANONICAL_INT_RE.test(trimmed))) {
        this.warnNumberSpelling(`map key ${JSON.stringify(key)}`, String(n));
      }
      const range = INT_RANGES[kind];
      if (n === undefined || n < range[0] || n > range[1]) this.error(`map key ${JSON.stringify(key)} is not a ${range[2]}`);
    }
  }

  /** Reports a field that is absent although its rules need a value. */
  private absentField(field: FieldInfo): void {
    const rules = field.rules;
    if (field.kind === K_ENUM && !field.repeated && field.mapKey < 0) {
      const info = this.schema.enum(field.typeName);
      if (info.defaultName !== undefined && info.deprecated.has(info.defaultName)) {
        this.deprecatedEnumValue(field, info, info.defaultName, true);
      }
    }
    if (!rules) return;
    if (field.mapKey >= 0 || field.repeated) {
      const size = field.repeated ? sizeProblem(0, rules.minItems, undefined, ITEMS) : sizeProblem(0, rules.minPairs, undefined, PAIRS);
      if (size) this.error(`missing; ${size}`);
    } else if (rules.required) {
      this.error(`missing; set ${field.name} (a ${field.typeName}), which Envoy requires here`);
    } else if (!field.wrapper && field.kind <= K_ENUM) {
      const problem = scalarProblem(defaultValue(field.kind), field.kind, rules);
      if (problem) this.error(`missing; ${problem}`);
    }
  }

  // ---- Any and TypedStruct ----------------------------------------------------------------

  /** An Any (any.required is checked as an absent field; Envoy's protos use no other Any rule). */
  private any(value: unknown): void {
    if (!isObject(value)) {
      this.error(`expected an object with "@type" (google.protobuf.Any), got ${describe(value)}`);
      return;
    }
    const obj = value as Record<string, unknown>;
    const url = obj['@type'];
    if (url === undefined) {
      this.error(`missing "@type"; an Any names the type of its content, e.g. "${TYPE_URL_PREFIX}envoy.extensions.filters.http.router.v3.Router"`);
      return;
    }
    if (typeof url !== 'string') {
      this.error(`"@type" must be a type URL string, got ${describe(url)}`);
      return;
    }
    const resolved = this.schema.messageOfTypeUrl(url);
    if (resolved !== undefined) {
      this.message(obj, resolved, '@type');
      return;
    }
    const typeName = this.resolveTypeUrl(url);
    if (typeName === undefined) return;
    // well-known types with a JSON form of their own carry it in "value"
    for (const key of Object.keys(obj)) {
      if (key !== '@type' && key !== 'value') {
        this.segments.push(key);
        this.error(`unknown field "${key}": an Any of ${typeName} has only "@type" and "value"`);
        this.segments.pop();
      }
    }
    if (obj.value === undefined) {
      this.error(`missing "value": an Any of ${typeName} holds it in "value"`);
      return;
    }
    this.segments.push('value');
    this.root(obj.value, typeName);
    this.segments.pop();
  }

  /** The message type a type URL names, or undefined after reporting why it can't be used. */
  private resolveTypeUrl(url: string, anyTypeUrl = true): string | undefined {
    const slash = url.lastIndexOf('/');
    // an Any's @type needs a host before the last "/" (protobuf); a TypedStruct's type_url is a
    // plain string of which Envoy takes what follows the last "/"
    if (anyTypeUrl ? slash <= 0 : slash === url.length - 1) {
      const meant = `${TYPE_URL_PREFIX}${url.slice(slash + 1)}`;
      if (anyTypeUrl) this.error(`"${url}" is not a type URL (protobuf wants a host before the last "/"); write "${meant}"`, `write "${meant}" instead`);
      else this.error(`"${url}" names no type after its last "/"; write e.g. "${TYPE_URL_PREFIX}envoy.extensions.filters.http.router.v3.Router"`);
      return undefined;
    }
    const name = url.slice(slash + 1);
    if (this.schema.isMessage(name)) return name;
    if (this.schema.isEnum(name)) {
      this.error(`"${url}" names an enum, not a message; an Any holds a message`);
    } else if (this.schema.isUnchecked(name)) {
      this.warn(`${name} was not checked: its proto file imports protos that the Envoy API copy of this library (@grpc/grpc-js-xds) does not ship`);
    } else if (this.schema.renamedFrom(name) !== undefined) {
      const v3 = `${TYPE_URL_PREFIX}${this.schema.renamedFrom(name)}`;
      this.error(`"${url}" is a type of Envoy's removed v2 API, which current Envoy rejects; use "${v3}"`, `write "${v3}" instead`);
    } else if (/^envoy\..*\.v2(?:alpha[0-9]*)?\./.test(name)) {
      this.error(`"${url}" is a type of Envoy's removed v2 API, which current Envoy rejects; use the v3 type that replaced it (see the Envoy API docs)`);
    } else {
      const suggestions = this.similarTypes(name);
      this.error(`unknown @type "${url}": no such message in the Envoy v3 API checked here (${snapshot(this.schema.source)})`
        + (suggestions.length ? `; did you mean ${suggestions.map((s) => `"${TYPE_URL_PREFIX}${s}"`).join(' or ')}?`
          : /^envoy\./.test(name) ? '; an extension Envoy added later reads as unknown' : '; types of other vendors (istio.*, ...) are not in it'),
      suggestions.length === 1 ? `write "${TYPE_URL_PREFIX}${suggestions[0]}" instead` : undefined);
    }
    return undefined;
  }

  private typedStruct(obj: Record<string, unknown>): void {
    const url = obj.type_url ?? obj.typeUrl;
    if (typeof url !== 'string' || url === '') {
      this.segments.push('type_url');
      this.error('missing; a TypedStruct names the type of its "value", e.g. "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"');
      this.segments.pop();
      return;
    }
    this.segments.push(obj.type_url !== undefined ? 'type_url' : 'typeUrl');
    const typeName = this.resolveTypeUrl(url, false);
    this.segments.pop();
    if (typeName === undefined) return;
    const content = obj.value ?? {};
    if (!isObject(content)) return; // already reported as a Struct
    this.segments.push('value');
    if (this.schema.kindOf(typeName) === K_MESSAGE && !this.schema.isWrapper(typeName)) {
      this.message(content, this.schema.message(typeName), undefined);
    } else {
      this.error(`a TypedStruct can't hold ${typeName}; use an Any`);
    }
    this.segments.pop();
  }

  private similarTypes(name: string): string[] {
    const dot = name.lastIndexOf('.');
    const simple = name.slice(dot + 1);
    const pkg = name.slice(0, dot + 1);
    const all = this.schema.allTypeNames();
    const sameName = all.filter((t) => t.endsWith(`.${simple}`) && this.schema.isMessage(t));
    if (sameName.length > 0 && sameName.length <= 3) return sameName;
    let best: string[] = [];
    let bestDistance = Math.max(2, Math.floor(simple.length / 3)) + 1;
    for (const t of all) {
      if (!t.startsWith(pkg) || t.indexOf('.', pkg.length) >= 0 || !this.schema.isMessage(t)) continue;
      const d = editDistance(simple, t.slice(pkg.length));
      if (d < bestDistance) {
        best = [t];
        bestDistance = d;
      } else if (d === bestDistance) {
        best.push(t);
      }
    }
    return best.slice(0, 3);
  }

  // ---- scalars ----------------------------------------------------------------------------

  private scalar(value: unknown, kind: number, typeName: string, rules: Rules | undefined): void {
    switch (kind) {
      case K_STRING:
        if (typeof value !== 'string') {
          this.error(`expected a string, got ${describe(value)}`);
        } else if (rules) {
          const problem = stringProblem(value, rules);
          if (problem) this.error(problem);
        }
        return;
      case K_BOOL:
        if (typeof value !== 'boolean') {
          this.error(`expected true or false, got ${describe(value)}`);
        } else if (rules && rules.const !== undefined && value !== rules.const) {
          this.error(`must be ${rules.const} (const)`);
        }
        return;
      case K_INT32:
      case K_UINT32:
      case K_INT64:
      case K_UINT64: {
        const range = INT_RANGES[kind];
        const unsigned = kind === K_UINT32 || kind === K_UINT64;
        const n = typeof value === 'number' ? (Number.isInteger(value) ? value : undefined)
          : typeof value === 'string' ? parseInteger(value, unsigned) : undefined;
        if (n !== undefined && typeof value === 'string' && !CANONICAL_INT_RE.test(value)) {
          this.warnNumberSpelling(JSON.stringify(value), String(n));
        }
        const whole = n === undefined && typeof value === 'string' && FLOAT_RE.test(value) && Number.isInteger(Number(value));
        if (whole && (Number(value) < Number(range[0]) || Number(value) > Number(range[1]))) {
          this.error(`${String(value)} is out of range for ${range[2]} (${String(range[0])} to ${String(range[1])})`);
        } else if (whole) {
          this.error(`${JSON.stringify(value)} is too large for a float spelling (protobuf reads one within ${unsigned ? '0 to 2^54' : '±2^53'}); write the ${range[2]}'s digits`);
        } else if (n === undefined) {
          this.error(`expected ${range[2]} (a whole number, or a string of digits), got ${describe(value)}`);
        } else if (n < range[0] || n > range[1]) {
          this.error(`${String(value)} is out of range for ${range[2]} (${String(range[0])} to ${String(range[1])})`);
        } else if (rules) {
          const problem = numberProblem(n, rules);
          if (problem) this.error(`${String(value)} is out of range; ${problem}`);
        }
        return;
      }
      case K_DOUBLE:
      case K_FLOAT: {
        const x = parseFloating(value);
        if (x !== undefined && typeof value === 'string' && !CANONICAL_FLOAT_RE.test(value)) {
          this.warnNumberSpelling(JSON.stringify(value), canonicalFloat(x));
        }
        if (x === undefined) {
          this.error(`expected a number, got ${describe(value)}`);
        } else if (kind === K_FLOAT && Number.isFinite(x) && Math.abs(x) > FLOAT_MAX) {
          this.error(`${String(value)} is out of range for float`);
        } else if (rules) {
          const problem = numberProblem(x, rules);
          if (problem) this.error(`${String(value)} is out of range; ${problem}`);
        }
        return;
      }
      case K_BYTES:
        if (typeof value !== 'string' || !BASE64_RE.test(value) || !base64Length(value)) {
          this.error(`expected base64-encoded bytes, got ${describe(value)}`);
        } else if (rules) {
          const problem = bytesProblem(Buffer.from(value, 'base64').length, rules);
          if (problem) this.error(problem);
        }
        return;
      case K_ENUM:
        this.enumValue(value, this.schema.enum(typeName), rules);
        return;
      case K_NULL_VALUE:
        if (value !== null && value !== 'NULL_VALUE' && value !== 0) this.error(`expected null, got ${describe(value)}`);
        return;
      default:
        this.typed(value, kind, typeName, rules);
    }
  }

  private enumValue(value: unknown, info: EnumInfo, rules: Rules | undefined): void {
    let number: number | undefined;
    let name: string | undefined;
    if (typeof value === 'string' && info.byName.get(value) === undefined && /^[+-]?[0-9]+$/.test(value)) {
      // protobuf's C++ parser reads a digit string as the enum's number (an int32)
      number = Number(value);
      if (!(number >= -2147483648 && number <= 2147483647)) {
        this.error(`${JSON.stringify(value)} is not a value of ${info.name}; use one of ${[...info.byName.keys()].join(', ')}`);
        return;
      }
      this.warn(`${JSON.stringify(value)} is the number of a value of ${info.name} as a string: Envoy's file loader accepts it, JSON-reading control planes such as marin3r don't; write the value name`);
      for (const [n, v] of info.byName) {
        if (v === number) {
          name = n;
          break;
        }
      }
    } else if (typeof value === 'string') {
      number = info.byName.get(value);
      if (number === undefined) {
        const canonical = [...info.byName.keys()].find((n) => n.toUpperCase() === value.toUpperCase());
        if (canonical === undefined) {
          const removed = [...info.reserved].find((n) => n.toUpperCase() === value.toUpperCase());
          if (removed !== undefined) {
            // the fix in the spelling of the key that holds the value
            const key = this.segments[this.segments.length - 1];
            const fix = removedFix(info.name, removed, typeof key === 'string' && /[A-Z]/.test(key)) ?? `use one of ${[...info.byName.keys()].join(', ')}`;
            this.error(`${JSON.stringify(value)} was removed from ${info.name}: ${REMOVED}; ${fix}`, fix);
          } else {
            this.error(`${JSON.stringify(value)} is not a value of ${info.name}; use one of ${[...info.byName.keys()].join(', ')}`);
          }
          return;
        }
        // Envoy's JSON/YAML file loader ignores the case of enum names; xDS servers parsing JSON (marin3r) don't
        this.warn(`${JSON.stringify(value)} is ${canonical} in another case: Envoy's file loader accepts it, JSON-reading control planes such as marin3r don't; write "${canonical}"`);
        number = info.byName.get(canonical)!;
        name = canonical;
      } else {
        name = value;
      }
    } else if (typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) {
      number = value;
      for (const [n, v] of info.byName) {
        if (v === value) {
          name = n;
          break;
        }
      }
    } else {
      this.error(`expected a value name of ${info.name} (${[...info.byName.keys()].join(', ')}), got ${describe(value)}`);
      return;
    }
    if (rules) {
      const problem = enumProblem(number, info, rules);
      if (problem) {
        this.error(problem);
        return;
      }
    }
    if (name !== undefined && info.deprecated.has(name)) this.deprecatedEnumValue(undefined, info, name, false);
  }

  private deprecatedEnumValue(field: FieldInfo | undefined, info: EnumInfo, name: string, byDefault: boolean): void {
    const what = byDefault
      ? `${field!.fullName} is not set, and its default ${name} (${info.name}) is deprecated; set another value explicitly`
      : `${name} (${info.name}) is deprecated; use another value`;
    if (info.disallowed.has(name)) {
      // the runtime key names the value's full name, which proto scopes beside the enum, not inside it
      this.error(`${what} (Envoy rejects it unless the runtime key "envoy.deprecated_features:${info.name.slice(0, info.name.lastIndexOf('.'))}.${name}" is true)`);
    } else {
      this.warn(what);
    }
  }

  private duration(value: unknown, rules: Rules | undefined): void {
    if (typeof value !== 'string') {
      this.error(`expected a duration string such as "1.5s", got ${describe(value)}`);
      return;
    }
    const m = DURATION_RE.exec(value);
    if (!m) {
      this.error(`${JSON.stringify(value)} is not a duration; write seconds with an "s" suffix, e.g. "0.25s" or "300s"`);
      return;
    }
    const seconds = Number(m[2]);
    const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
    if (m[1] && (seconds > 0 || nanos > 0)) {
      this.error(`${JSON.stringify(value)} is negative; Envoy rejects negative durations`);
      return;
    }
    if (seconds > ENVOY_DURATION_MAX_SECONDS) {
      this.error(`${JSON.stringify(value)} is out of range; Envoy accepts at most ${ENVOY_DURATION_MAX_SECONDS}s (about 292 years)`);
      return;
    }
    if (rules) {
      const problem = durationProblem([seconds, nanos], rules);
      if (problem) this.error(`${JSON.stringify(value)} is out of range; ${problem}`);
    }
  }
}

// ---- rules ------------------------------------------------------------------------------------

/** `envoy.config.core.v3.ApiVersion.V3` */
const API_V3 = 2;
/** The JSON of each kind's default value, which protobuf's parser stores for a null map value. */
const DEFAULT_VALUES: Record<number, unknown> = {
  [K_STRING]: '',
  [K_BOOL]: false,
  [K_INT32]: 0,
  [K_UINT32]: 0,
  [K_INT64]: 0,
  [K_UINT64]: 0,
  [K_DOUBLE]: 0,
  [K_FLOAT]: 0,
  [K_BYTES]: '',
  [K_ENUM]: 0,
  [K_DURATION]: '0s',
  [K_STRUCT]: {},
  [K_LIST_VALUE]: [],
};
/** Messages that configure an extension by its typed_config (the name is only a label). */
const HTTP_FILTER_MESSAGE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter';
const EXTENSION_MESSAGES = new Set([
  HTTP_FILTER_MESSAGE,
  'envoy.config.cluster.v3.Filter',
  'envoy.config.metrics.v3.StatsSink',
  'envoy.config.listener.v3.Filter',
  'envoy.config.listener.v3.ListenerFilter',
  'envoy.config.core.v3.TransportSocket',
  'envoy.config.accesslog.v3.AccessLog',
  // looked up the same way (getAndCheckFactory): retry predicates and priorities, the HTTP tracer
  'envoy.config.route.v3.RetryPolicy.RetryHostPredicate',
  'envoy.config.route.v3.RetryPolicy.RetryPriority',
  'envoy.config.core.v3.RetryPolicy.RetryHostPredicate',
  'envoy.config.core.v3.RetryPolicy.RetryPriority',
  'envoy.config.trace.v3.Tracing.Http',
]);
const TRANSPORT_VERSION_PROBLEM = 'Envoy refuses any transport_api_version but V3 here, AUTO (the default) included '
  + '("V2 (and AUTO) xDS transport protocol versions are deprecated"); set transport_api_version: V3';


/** Fields a message must look at when absent (computed once per message type). */
function absentChecks(schema: EnvoySchema, info: MessageInfo): FieldInfo[] {
  const out: FieldInfo[] = [];
  for (const field of info.fields) {
    if (field.oneof >= 0) continue; // rules of oneof members apply only when set
    if (field.kind === K_ENUM && !field.repeated && field.mapKey < 0) {
      const e = schema.enum(field.typeName);
      if (e.defaultName !== undefined && e.deprecated.has(e.defaultName)) {
        out.push(field);
        continue;
      }
    }
    const rules = field.rules;
    if (!rules) continue;
    if (field.mapKey >= 0) {
      if ((rules.minPairs ?? 0) > 0) out.push(field);
    } else if (field.repeated) {
      if ((rules.minItems ?? 0) > 0) out.push(field);
    } else if (rules.required) {
      out.push(field);
    } else if (!field.wrapper && field.kind <= K_ENUM) {
      if (scalarProblem(defaultValue(field.kind), field.kind, rules) !== undefined) out.push(field);
    }
  }
  return out;
}

/** Whether base64 text has a length a decoder accepts: padded to a multiple of 4, or unpadded and not one character over. */
function base64Length(text: string): boolean {
  return text.endsWith('=') ? text.length % 4 === 0 : text.length % 4 !== 1;
}

function defaultValue(kind: number): string | number | boolean {
  return kind === K_STRING || kind === K_BYTES ? '' : kind === K_BOOL ? false : 0;
}

/** The rule a scalar's default value breaks (for absent fields). */
function scalarProblem(value: string | number | boolean, kind: number, rules: Rules): string | undefined {
  if (kind === K_STRING) return stringProblem(value as string, rules);
  if (kind === K_BYTES) return bytesProblem(0, rules);
  if (kind === K_BOOL) return rules.const !== undefined && rules.const !== value ? `must be ${rules.const} (const)` : undefined;
  if (kind === K_ENUM) {
    if (rules.const !== undefined && rules.const !== 0) return `must be value ${rules.const} (const)`;
    if (rules.in !== undefined && !(rules.in as number[]).includes(0)) return `must be one of the values ${(rules.in as number[]).join(', ')} (in)`;
    return rules.notIn !== undefined && (rules.notIn as number[]).includes(0) ? 'must not be the default value 0 (not_in)' : undefined;
  }
  return numberProblem(0, rules);
}

function stringProblem(s: string, rules: Rules): string | undefined {
  if (!rules.valueRules || (rules.ignoreEmpty && s === '')) return undefined;
  if (rules.const !== undefined && s !== rules.const) return `${JSON.stringify(s)} must be ${JSON.stringify(rules.const)} (const)`;
  // code points lie between length / 2 (all surrogate pairs) and length: count only when that decides
  if (rules.len !== undefined
    || (rules.minLen !== undefined && s.length < rules.minLen * 2)
    || (rules.maxLen !== undefined && s.length > rules.maxLen)) {
    const n = codePoints(s);
    if (rules.len !== undefined && n !== rules.len) return `${JSON.stringify(s)} must have exactly ${count(rules.len, 'character')} (len ${rules.len})`;
    if (rules.minLen !== undefined && n < rules.minLen) {
      return s === '' ? `must not be empty (min_len ${rules.minLen})` : `${JSON.stringify(s)} is too short: at least ${count(rules.minLen, 'character')} (min_len ${rules.minLen})`;
    }
    if (rules.maxLen !== undefined && n > rules.maxLen) return `${JSON.stringify(s)} is too long: at most ${count(rules.maxLen, 'character')} (max_len ${rules.maxLen})`;
  }
  // UTF-8 bytes lie between length and 3 * length: count only when that decides
  if ((rules.minBytes !== undefined && s.length < rules.minBytes) || (rules.maxBytes !== undefined && s.length * 3 > rules.maxBytes)) {
    const b = Buffer.byteLength(s, 'utf8');
    if (rules.minBytes !== undefined && b < rules.minBytes) {
      return s === '' ? `must not be empty (min_bytes ${rules.minBytes})` : `${JSON.stringify(s)} is too short: at least ${count(rules.minBytes, 'byte')} (min_bytes ${rules.minBytes})`;
    }
    if (rules.maxBytes !== undefined && b > rules.maxBytes) return `is too long: ${count(b, 'byte')}, at most ${rules.maxBytes} allowed (max_bytes ${rules.maxBytes})`;
  }
  if (!rules.stringContent) return undefined;
  if (rules.prefix !== undefined && !s.startsWith(rules.prefix)) return `${JSON.stringify(s)} must start with ${JSON.stringify(rules.prefix)} (prefix)`;
  if (rules.suffix !== undefined && !s.endsWith(rules.suffix)) return `${JSON.stringify(s)} must end with ${JSON.stringify(rules.suffix)} (suffix)`;
  if (rules.contains !== undefined && !s.includes(rules.contains)) return `${JSON.stringify(s)} must contain ${JSON.stringify(rules.contains)} (contains)`;
  if (rules.notContains !== undefined && s.includes(rules.notContains)) return `${JSON.stringify(s)} must not contain ${JSON.stringify(rules.notContains)} (not_contains)`;
  if (rules.in !== undefined && !(rules.in as string[]).includes(s)) return `${JSON.stringify(s)} must be one of ${(rules.in as string[]).map((v) => JSON.stringify(v)).join(', ')} (in)`;
  if (rules.notIn !== undefined && (rules.notIn as string[]).includes(s)) return `${JSON.stringify(s)} is not allowed (not_in)`;
  if (rules.pattern !== undefined && !compiledPattern(rules.pattern).test(s)) return `${JSON.stringify(s)} does not match the pattern ${rules.pattern}`;
  if (rules.wellKnownRegex !== undefined) {
    const strict = rules.strict;
    if (rules.wellKnownRegex === 'HTTP_HEADER_NAME') {
      if (!(strict ? HEADER_NAME_STRICT_RE : HEADER_LAX_RE).test(s)) return `${JSON.stringify(s)} is not a valid HTTP header name`;
    } else if (rules.wellKnownRegex === 'HTTP_HEADER_VALUE') {
      if (!(strict ? HEADER_VALUE_STRICT_RE : HEADER_LAX_RE).test(s)) return `${JSON.stringify(s)} is not a valid HTTP header value`;
    }
  }
  return undefined;
}

function bytesProblem(length: number, rules: Rules): string | undefined {
  if (rules.len !== undefined && length !== rules.len) return `must be exactly ${count(rules.len, 'byte')} (len ${rules.len})`;
  if (rules.minLen !== undefined && length < rules.minLen) return `must have at least ${count(rules.minLen, 'byte')} (min_len ${rules.minLen})`;
  if (rules.maxLen !== undefined && length > rules.maxLen) return `must have at most ${count(rules.maxLen, 'byte')} (max_len ${rules.maxLen})`;
  return undefined;
}

function numberProblem(n: number | bigint, rules: Rules): string | undefined {
  if (!rules.valueRules) return undefined;
  if (rules.const !== undefined && n != rules.const) return `must be ${rules.const} (const)`;
  const range = rangeProblem(n, rules, compareNumbers, NUMBER_WORDS);
  if (range) return range;
  if (rules.in !== undefined && !(rules.in as number[]).some((v) => v == n)) return `must be one of ${(rules.in as number[]).join(', ')} (in)`;
  if (rules.notIn !== undefined && (rules.notIn as number[]).some((v) => v == n)) return `must not be ${(rules.notIn as number[]).join(' or ')} (not_in)`;
  return undefined;
}

function enumProblem(number: number, info: EnumInfo, rules: Rules): string | undefined {
  if (rules.definedOnly && !info.numbers.has(number)) {
    return `${number} is not a defined value of ${info.name}; use one of ${[...info.byName.keys()].join(', ')}`;
  }
  if (rules.const !== undefined && number !== rules.const) return `must be value ${rules.const} of ${info.name} (const)`;
  if (rules.in !== undefined && !(rules.in as number[]).includes(number)) return `${enumName(info, number)} is not allowed here; use one of ${(rules.in as number[]).map((v) => enumName(info, v)).join(', ')}`;
  if (rules.notIn !== undefined && (rules.notIn as number[]).includes(number)) return `${enumName(info, number)} is not allowed here (not_in)`;
  return undefined;
}

function enumName(info: EnumInfo, number: number): string {
  for (const [name, v] of info.byName) if (v === number) return name;
  return String(number);
}

type DurationValue = [number, number];

function durationProblem(d: DurationValue, rules: Rules): string | undefined {
  if (rules.const !== undefined && compareDuration(d, rules.const) !== 0) return `must be ${showDuration(rules.const)} (const)`;
  const range = rangeProblem(d, rules, compareDuration, DURATION_WORDS);
  if (range) return range;
  if (rules.in !== undefined && !(rules.in as DurationValue[]).some((v) => compareDuration(d, v) === 0)) return `must be one of ${(rules.in as DurationValue[]).map(showDuration).join(', ')} (in)`;
  if (rules.notIn !== undefined && (rules.notIn as DurationValue[]).some((v) => compareDuration(d, v) === 0)) return `must not be ${(rules.notIn as DurationValue[]).map(showDuration).join(' or ')} (not_in)`;
  return undefined;
}

/** How a range problem is worded for one kind of value. */
interface RangeWords<T> {
  readonly above: string;
  readonly below: string;
  show(value: T): string;
  /** The rule's name after the message, e.g. "(gt 5)". */
  tag(rule: string, bound: T): string;
}

const NUMBER_WORDS: RangeWords<number | bigint> = { above: 'greater than', below: 'less than', show: String, tag: (rule, bound) => `(${rule} ${bound})` };
const DURATION_WORDS: RangeWords<DurationValue> = { above: 'longer than', below: 'shorter than', show: showDuration, tag: (rule) => `(${rule})` };

/**
 * The gt/gte/lt/lte rules of a number or duration, written as protoc-gen-validate's failure
 * conditions, so that NaN (which compares as NaN) passes them as it does in PGV. An upper bound
 * at or below the lower one (`lte: 0, gte: 1` on QUIC's keepalive intervals) excludes the range
 * between them instead: PGV's "must be outside range".
 */
function rangeProblem<T>(value: T, rules: Rules, compare: (a: T, b: T) => number, w: RangeWords<T>): string | undefined {
  const { gt, gte, lt, lte } = rules as { gt?: T; gte?: T; lt?: T; lte?: T };
  const lower = gt ?? gte;
  const upper = lt ?? lte;
  if (lower !== undefined && upper !== undefined && compare(upper, lower) <= 0) {
    const aboveUpper = lt !== undefined ? compare(value, lt) >= 0 : compare(value, lte!) > 0;
    const belowLower = gt !== undefined ? compare(value, gt) <= 0 : compare(value, gte!) < 0;
    if (!(aboveUpper && belowLower)) return undefined;
    return `must be ${lt !== undefined ? `${w.below} ${w.show(lt)}` : `at most ${w.show(lte!)}`} `
      + `or ${gt !== undefined ? `${w.above} ${w.show(gt)}` : `at least ${w.show(gte!)}`} (the range between is excluded)`;
  }
  if (gt !== undefined && compare(value, gt) <= 0) return `must be ${w.above} ${w.show(gt)} ${w.tag('gt', gt)}`;
  if (gte !== undefined && compare(value, gte) < 0) return `must be at least ${w.show(gte)} ${w.tag('gte', gte)}`;
  if (lt !== undefined && compare(value, lt) >= 0) return `must be ${w.below} ${w.show(lt)} ${w.tag('lt', lt)}`;
  if (lte !== undefined && compare(value, lte) > 0) return `must be at most ${w.show(lte)} ${w.tag('lte', lte)}`;
  return undefined;
}

/** Orders two numbers (int64 values may be bigints); NaN against anything is NaN. */
function compareNumbers(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : a == b ? 0 : NaN;
}

function compareDuration(a: DurationValue, b: DurationValue): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

function showDuration(d: DurationValue): string {
  if (d[1] === 0) return `${d[0]}s`;
  return `${d[0]}.${String(d[1]).padStart(9, '0').replace(/0+$/, '')}s`;
}

/** A PGV pattern (RE2 syntax) as a JavaScript RegExp, compiled once per pattern. */
function compiledPattern(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    // RE2 and JavaScript agree on the constructs the Envoy protos use, except inline flags
    // like (?i), which JavaScript spells as a RegExp flag.
    const flags = pattern.startsWith('(?i)') ? 'iu' : 'u';
    // PGV matches the whole string (RE2::FullMatch), JavaScript's test() any part of it
    re = new RegExp(`^(?:${pattern.replace(/^\(\?i\)/, '')})$`, flags);
    patternCache.set(pattern, re);
  }
  return re;
}

// ---- helpers ----------------------------------------------------------------------------------

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a present field counts as set for deprecation warnings (proto3: not the default value;
 * an enum given the name of its zero value is its default too).
 */
function isSet(value: unknown, field: FieldInfo, schema: EnvoySchema): boolean {
  if (value === null || value === undefined) return false;
  if (field.mapKey >= 0) return isObject(value) && Object.keys(value as object).length > 0;
  if (field.repeated) return !Array.isArray(value) || value.length > 0;
  if (field.wrapper || field.oneof >= 0 || field.kind > K_ENUM) return true;
  if (field.kind === K_ENUM && typeof value === 'string' && !INT_RE.test(value)) {
    const e = schema.enum(field.typeName);
    return value.toUpperCase() !== e.defaultName?.toUpperCase();
  }
  if (typeof value === 'string' && FLOAT_RE.test(value)) return Number(value) !== 0;
  return value !== '' && value !== 0 && value !== false;
}

/**
 * An integer field's value given as a string, as protobuf's JSON parser reads it: digits, or a
 * number without a fractional part ("80.0", "1e3") within ±2^53 (0 to 2^54 unsigned); no spaces.
 */
function parseInteger(s: string, unsigned: boolean): number | bigint | undefined {
  if (INT_RE.test(s)) return s.length > 15 ? BigInt(s) : Number(s);
  if (!FLOAT_RE.test(s)) return undefined;
  const x = Number(s);
  return Number.isInteger(x) && x >= (unsigned ? 0 : -(2 ** 53)) && x <= (unsigned ? 2 ** 54 : 2 ** 53) ? x : undefined;
}

/**
 * A float field's value, as protobuf's JSON parser reads it: a number, or a string holding "NaN",
 * "Infinity", "-Infinity" or what absl::SimpleAtod takes (surrounding spaces, a leading "+",
 * "inf", "infinity" and "nan" in any case).
 */
function parseFloating(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  let s = trimAsciiSpace(value);
  if (s.startsWith('+')) {
    s = s.slice(1);
    // absl::SimpleAtod skips one "+", and from_chars takes no sign but "-"
    if (s.startsWith('-') || s.startsWith('+')) return undefined;
  }
  const special = /^(-?)(inf|infinity|nan)$/i.exec(s);
  if (special) return special[2].toLowerCase() === 'nan' ? NaN : special[1] ? -Infinity : Infinity;
  return FLOAT_RE.test(s) ? Number(s) : undefined;
}

/** `s` without the ASCII spaces around it, as absl's number parsers skip them. */
function trimAsciiSpace(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

/** How protobuf's JSON printer (and every JSON reader of Envoy's API) writes a float. */
function canonicalFloat(x: number): string | number {
  return Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x;
}

function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

interface SizeWords {
  readonly one: string;
  readonly many: string;
  readonly min: string;
  readonly max: string;
}
const ITEMS: SizeWords = { one: 'item', many: 'items', min: 'min_items', max: 'max_items' };
const PAIRS: SizeWords = { one: 'entry', many: 'entries', min: 'min_pairs', max: 'max_pairs' };

/** The size rule of a list or map of `n` items that `n` breaks, e.g. "at least 1 item required (min_items 1)". */
function sizeProblem(n: number, min: number | undefined, max: number | undefined, words: SizeWords): string | undefined {
  if (min !== undefined && n < min) return `at least ${count(min, words.one, words.many)} required (${words.min} ${min})`;
  if (max !== undefined && n > max) return `at most ${count(max, words.one, words.many)} allowed (${words.max} ${max})`;
  return undefined;
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

function names(fields: FieldInfo[]): string {
  return fields.map((f) => f.name).join(', ');
}

const KEY_LABEL: Record<number, string> = { [K_STRING]: 'string', [K_BOOL]: 'bool', [K_INT32]: 'int32', [K_UINT32]: 'uint32', [K_INT64]: 'int64', [K_UINT64]: 'uint64' };

/** A received value for a message: type and value. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': return `string ${JSON.stringify(value)}`;
    case 'number': return `number ${value}`;
    case 'boolean': return String(value);
    case 'object': return 'an object';
    default: return typeof value;
  }
}

/** The message of an unknown (or removed) field, and the one thing to write instead when there is one. */
function unknownField(key: string, obj: Record<string, unknown>, info: MessageInfo, source: string): { message: string; fix?: string } {
  // the spelling of the answer: the key's, or for a one-word key ("hosts") its siblings'
  const camel = /[A-Z]/.test(key) || (!key.includes('_') && Object.keys(obj).some((k) => /[A-Z]/.test(k)));
  const removed = info.reserved.has(key) ? key : [...info.reserved].find((r) => jsonName(r) === key);
  if (removed !== undefined) {
    const typed = info.byKey.get(`typed_${removed}`);
    const twin = typed && `use ${camel ? typed.json : typed.name}, which takes the config${typed.mapKey >= 0 ? 's as a map of name to Any' : ' as an Any'} with its "@type"`;
    const fix = removedFix(info.name, removed, camel) ?? twin ?? `drop it: nothing in ${info.name} replaced it`;
    return { message: `field "${key}" was removed from ${info.name}: ${REMOVED}; ${fix}`, fix };
  }
  const candidates = info.fields.map((f) => (camel ? f.json : f.name));
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) {
    // a key that is the start of a field name, or the reverse ("cluster" for "cluster_name")
    const lower = key.toLowerCase();
    const partial = candidates.filter((c) => c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase()));
    if (partial.length === 1) best = partial[0];
  }
  const head = `unknown field "${key}" in ${info.name}`;
  if (best !== undefined) return { message: `${head}; did you mean "${best}"?`, fix: `write "${best}" instead` };
  if (info.fields.length === 0) return { message: `${head}, which has no fields` };
  const newer = ` (unless it is newer than the Envoy API checked here, ${snapshot(source)})`;
  if (candidates.length <= 12) return { message: `${head}; its fields are ${candidates.join(', ')}${newer}` };
  return { message: `${head}; see the Envoy API reference for its fields${newer}` };
}

/**
 * Why a removed field or enum value is an error: protobuf never reuses a reserved name. Envoy
 * refuses an unknown field in a static bootstrap (unless started with
 * --allow-unknown-static-fields) and, in xDS, drops it with a warning (unless started with
 * --reject-unknown-dynamic-fields): either way the setting has no effect.
 */
const REMOVED = 'Envoy\'s API reserves the name, and no Envoy release reads it (a static bootstrap with it is refused; xDS drops it with a warning)';

/**
 * What replaced a removed field or enum value, for the removals older configs (and v2-era
 * examples) still carry. Keyed by "<message or enum>.<name>". `fields` are the replacement's path
 * from the message (for an enum, from the message declaring it), and `values` the enum values the
 * hint names, "<enum>.<value>": test/validation/envoy-validator.test.ts checks both against the
 * protos. `hint` is written with snake_case names and `camel` with lowerCamelCase ones, for keys
 * written so. Removals whose replacement is the field's `typed_` twin (config,
 * per_filter_config, extension_protocol_options) need no entry; a removal without one is
 * answered "drop it".
 */
export const REMOVED_REPLACEMENTS: Readonly<Record<string, RemovedReplacement>> = {
  'envoy.config.cluster.v3.Cluster.hosts': {
    fields: ['load_assignment.endpoints.lb_endpoints.endpoint.address'],
    hint: 'list the endpoints in load_assignment (cluster_name, endpoints[].lb_endpoints[].endpoint.address)',
    camel: 'list the endpoints in loadAssignment (clusterName, endpoints[].lbEndpoints[].endpoint.address)',
  },
  'envoy.config.cluster.v3.Cluster.tls_context': {
    fields: ['transport_socket.typed_config'],
    hint: 'use transport_socket with name envoy.transport_sockets.tls and a typed_config of "@type" type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    camel: 'use transportSocket with name envoy.transport_sockets.tls and a typedConfig of "@type" type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  },
  'envoy.config.cluster.v3.Cluster.LbPolicy.ORIGINAL_DST_LB': {
    fields: ['type', 'lb_policy'],
    values: ['envoy.config.cluster.v3.Cluster.DiscoveryType.ORIGINAL_DST', 'envoy.config.cluster.v3.Cluster.LbPolicy.CLUSTER_PROVIDED'],
    hint: 'use type ORIGINAL_DST with lb_policy CLUSTER_PROVIDED',
    camel: 'use type ORIGINAL_DST with lbPolicy CLUSTER_PROVIDED',
  },
  'envoy.config.cluster.v3.LoadBalancingPolicy.Policy.typed_config': {
    fields: ['typed_extension_config.typed_config'],
    hint: 'use typed_extension_config: { name, typed_config }',
    camel: 'use typedExtensionConfig: { name, typedConfig }',
  },
  'envoy.config.cluster.v3.LoadBalancingPolicy.Policy.name': {
    fields: ['typed_extension_config.name'],
    hint: 'use typed_extension_config: { name, typed_config }',
    camel: 'use typedExtensionConfig: { name, typedConfig }',
  },
  'envoy.config.cluster.v3.LoadBalancingPolicy.Policy.config': {
    fields: ['typed_extension_config.typed_config'],
    hint: 'use typed_extension_config: { name, typed_config }',
    camel: 'use typedExtensionConfig: { name, typedConfig }',
  },
  'envoy.config.listener.v3.FilterChain.tls_context': {
    fields: ['transport_socket.typed_config'],
    hint: 'use transport_socket with name envoy.transport_sockets.tls and a typed_config of "@type" type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    camel: 'use transportSocket with name envoy.transport_sockets.tls and a typedConfig of "@type" type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  },
  'envoy.config.bootstrap.v3.Bootstrap.runtime': {
    fields: ['layered_runtime.layers'],
    hint: 'use layered_runtime (a list of layers, e.g. a static_layer)',
    camel: 'use layeredRuntime (a list of layers, e.g. a staticLayer)',
  },
  'envoy.config.core.v3.Node.build_version': {
    fields: ['user_agent_build_version'],
    hint: 'drop it: Envoy fills user_agent_build_version (a BuildVersion message, not a string) itself',
    camel: 'drop it: Envoy fills userAgentBuildVersion (a BuildVersion message, not a string) itself',
  },
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.idle_timeout': {
    fields: ['common_http_protocol_options.idle_timeout'],
    hint: 'use common_http_protocol_options.idle_timeout',
    camel: 'use commonHttpProtocolOptions.idleTimeout',
  },
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing.request_headers_for_tags': {
    fields: ['custom_tags.tag', 'custom_tags.request_header.name'],
    hint: 'use custom_tags: [{ tag: "<header>", request_header: { name: "<header>" } }]',
    camel: 'use customTags: [{ tag: "<header>", requestHeader: { name: "<header>" } }]',
  },
  'envoy.config.route.v3.RouteMatch.regex': { fields: ['safe_regex.regex'], hint: 'use safe_regex: { regex: "..." } (RE2)', camel: 'use safeRegex: { regex: "..." } (RE2)' },
  'envoy.config.route.v3.HeaderMatcher.regex_match': {
    fields: ['string_match.safe_regex.regex'],
    hint: 'use string_match: { safe_regex: { regex: "..." } } (RE2)',
    camel: 'use stringMatch: { safeRegex: { regex: "..." } } (RE2)',
  },
  'envoy.config.route.v3.QueryParameterMatcher.value': {
    fields: ['string_match.exact', 'string_match.safe_regex.regex'],
    hint: 'use string_match: { exact: "<value>" }, or string_match: { safe_regex: { regex: "<value>" } } (RE2) where regex was true',
    camel: 'use stringMatch: { exact: "<value>" }, or stringMatch: { safeRegex: { regex: "<value>" } } (RE2) where regex was true',
  },
  'envoy.config.route.v3.QueryParameterMatcher.regex': {
    fields: ['string_match.safe_regex.regex'],
    hint: 'drop it, and put the value into string_match: { safe_regex: { regex: "<value>" } } (RE2)',
    camel: 'drop it, and put the value into stringMatch: { safeRegex: { regex: "<value>" } } (RE2)',
  },
  'envoy.type.matcher.v3.StringMatcher.regex': { fields: ['safe_regex.regex'], hint: 'use safe_regex: { regex: "..." } (RE2)', camel: 'use safeRegex: { regex: "..." } (RE2)' },
  'envoy.config.route.v3.RouteAction.request_mirror_policy': { fields: ['request_mirror_policies'], hint: 'use request_mirror_policies, a list', camel: 'use requestMirrorPolicies, a list' },
  'envoy.config.route.v3.RouteAction.RequestMirrorPolicy.runtime_key': {
    fields: ['runtime_fraction.runtime_key', 'runtime_fraction.default_value.denominator'],
    values: ['envoy.type.v3.FractionalPercent.DenominatorType.TEN_THOUSAND'],
    hint: 'use runtime_fraction: { runtime_key, default_value: { numerator, denominator: TEN_THOUSAND } } (TEN_THOUSAND keeps the old runtime values, 0-10000)',
    camel: 'use runtimeFraction: { runtimeKey, defaultValue: { numerator, denominator: TEN_THOUSAND } } (TEN_THOUSAND keeps the old runtime values, 0-10000)',
  },
  'envoy.config.route.v3.VirtualCluster.pattern': {
    fields: ['headers'],
    hint: 'match the path with headers: [{ name: ":path", string_match: { safe_regex: { regex: "..." } } }]',
    camel: 'match the path with headers: [{ name: ":path", stringMatch: { safeRegex: { regex: "..." } } }]',
  },
  'envoy.config.route.v3.VirtualCluster.method': {
    fields: ['headers'],
    hint: 'match the method with headers: [{ name: ":method", string_match: { exact: "GET" } }]',
    camel: 'match the method with headers: [{ name: ":method", stringMatch: { exact: "GET" } }]',
  },
  'envoy.config.route.v3.CorsPolicy.allow_origin': {
    fields: ['allow_origin_string_match'],
    hint: 'use allow_origin_string_match, a list of string matchers',
    camel: 'use allowOriginStringMatch, a list of string matchers',
  },
  'envoy.config.route.v3.CorsPolicy.allow_origin_regex': {
    fields: ['allow_origin_string_match'],
    hint: 'use allow_origin_string_match with safe_regex matchers',
    camel: 'use allowOriginStringMatch with safeRegex matchers',
  },
  'envoy.config.route.v3.CorsPolicy.enabled': { fields: ['filter_enabled'], hint: 'use filter_enabled (a runtime fractional percent)', camel: 'use filterEnabled (a runtime fractional percent)' },
  'envoy.config.core.v3.HealthCheck.HttpHealthCheck.use_http2': {
    fields: ['codec_client_type'],
    values: ['envoy.type.v3.CodecClientType.HTTP2'],
    hint: 'use codec_client_type: HTTP2',
    camel: 'use codecClientType: HTTP2',
  },
  'envoy.config.core.v3.HealthCheck.HttpHealthCheck.service_name': {
    fields: ['service_name_matcher.prefix'],
    hint: 'use service_name_matcher: { prefix: "<the old value>" } (the old field matched a prefix)',
    camel: 'use serviceNameMatcher: { prefix: "<the old value>" } (the old field matched a prefix)',
  },
  'envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.verify_subject_alt_name': {
    fields: ['match_typed_subject_alt_names'],
    hint: 'use match_typed_subject_alt_names (each with the SAN type and a string matcher)',
    camel: 'use matchTypedSubjectAltNames (each with the SAN type and a string matcher)',
  },
};

/** What replaced a removed field or enum value. @internal */
export interface RemovedReplacement {
  /** The replacement's field paths (dot-separated proto names) from the message. */
  readonly fields: readonly string[];
  /** Enum values the hint names, "<enum>.<value>". */
  readonly values?: readonly string[];
  /** The fix, with snake_case names. */
  readonly hint: string;
  /** The fix, with lowerCamelCase names (when they differ). */
  readonly camel?: string;
}

function removedFix(typeName: string, name: string, camel: boolean): string | undefined {
  const entry = REMOVED_REPLACEMENTS[`${typeName}.${name}`];
  return entry && (camel ? entry.camel ?? entry.hint : entry.hint);
}

/** The Envoy API copy the validator checks against, e.g. "the protos of @grpc/grpc-js-xds 1.14.1, older than Envoy 1.32". */
function snapshot(source: string): string {
  return `the protos of ${source.split(' (')[0]}, older than Envoy 1.32`;
}

/** Levenshtein distance, for "did you mean" suggestions (also used by the manifest checks). @internal */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}
