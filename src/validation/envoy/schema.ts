import * as fs from 'fs';
import * as path from 'path';

/*
 * The compiled Envoy v3 API (descriptors.json, written by scripts/build-envoy-descriptors.js)
 * and the per-type lookup structures the validator walks with. The JSON is read on the first
 * validation, never at require time, and each message type is compiled into a field map the
 * first time a config uses it.
 */

/** File name of the descriptor, next to this module in src/ (ts-jest) and in lib/ (package). */
export const DESCRIPTOR_FILE = 'descriptors.json';

/** Field flags of the descriptor (bit set), as written by the generator. */
export const FLAG_REPEATED = 1;
export const FLAG_DEPRECATED = 2;
export const FLAG_DISALLOWED = 4;
export const FLAG_WORK_IN_PROGRESS = 8;

/** How a value is written in proto3 JSON; one per scalar type and per well-known type. */
export const K_STRING = 0;
export const K_BOOL = 1;
export const K_INT32 = 2;
export const K_UINT32 = 3;
export const K_INT64 = 4;
export const K_UINT64 = 5;
export const K_DOUBLE = 6;
export const K_FLOAT = 7;
export const K_BYTES = 8;
export const K_ENUM = 9;
export const K_MESSAGE = 10;
export const K_ANY = 11;
export const K_DURATION = 12;
export const K_TIMESTAMP = 13;
export const K_STRUCT = 14;
export const K_VALUE = 15;
export const K_LIST_VALUE = 16;
export const K_FIELD_MASK = 17;
export const K_NULL_VALUE = 18;

const SCALAR_KINDS: Record<string, number> = {
  string: K_STRING,
  bool: K_BOOL,
  int32: K_INT32,
  sint32: K_INT32,
  sfixed32: K_INT32,
  uint32: K_UINT32,
  fixed32: K_UINT32,
  int64: K_INT64,
  sint64: K_INT64,
  sfixed64: K_INT64,
  uint64: K_UINT64,
  fixed64: K_UINT64,
  double: K_DOUBLE,
  float: K_FLOAT,
  bytes: K_BYTES,
};

/** Well-known types with a JSON form of their own; wrappers are written as their scalar. */
const WELL_KNOWN: Record<string, { kind: number; wrapper?: boolean }> = {
  'google.protobuf.Any': { kind: K_ANY },
  'google.protobuf.Duration': { kind: K_DURATION },
  'google.protobuf.Timestamp': { kind: K_TIMESTAMP },
  'google.protobuf.Struct': { kind: K_STRUCT },
  'google.protobuf.Value': { kind: K_VALUE },
  'google.protobuf.ListValue': { kind: K_LIST_VALUE },
  'google.protobuf.FieldMask': { kind: K_FIELD_MASK },
  'google.protobuf.NullValue': { kind: K_NULL_VALUE },
  'google.protobuf.DoubleValue': { kind: K_DOUBLE, wrapper: true },
  'google.protobuf.FloatValue': { kind: K_FLOAT, wrapper: true },
  'google.protobuf.Int64Value': { kind: K_INT64, wrapper: true },
  'google.protobuf.UInt64Value': { kind: K_UINT64, wrapper: true },
  'google.protobuf.Int32Value': { kind: K_INT32, wrapper: true },
  'google.protobuf.UInt32Value': { kind: K_UINT32, wrapper: true },
  'google.protobuf.BoolValue': { kind: K_BOOL, wrapper: true },
  'google.protobuf.StringValue': { kind: K_STRING, wrapper: true },
  'google.protobuf.BytesValue': { kind: K_BYTES, wrapper: true },
};

/** The reserved names of the many types that reserve none (one shared empty set). */
const NONE_RESERVED: ReadonlySet<string> = new Set();

const TYPED_STRUCTS = new Set(['xds.type.v3.TypedStruct', 'udpa.type.v1.TypedStruct']);

/**
 * Messages whose `transport_api_version` Envoy's checkTransportVersion requires to be V3, although
 * the enum's default is AUTO: xDS config sources and the gRPC clients of ext_authz, rate limiting,
 * gRPC access logs and the metrics service.
 */
const TRANSPORT_CHECKED = new Set([
  'envoy.config.core.v3.ApiConfigSource',
  'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  'envoy.extensions.filters.network.ext_authz.v3.ExtAuthz',
  'envoy.extensions.access_loggers.grpc.v3.CommonGrpcAccessLogConfig',
  'envoy.config.ratelimit.v3.RateLimitServiceConfig',
  'envoy.config.metrics.v3.MetricsServiceConfig',
]);

/** The name of each kind as a proto type, for messages. */
export const KIND_NAMES = [
  'string', 'bool', 'int32', 'uint32', 'int64', 'uint64', 'double', 'float', 'bytes', 'enum', 'message',
  'google.protobuf.Any', 'google.protobuf.Duration', 'google.protobuf.Timestamp', 'google.protobuf.Struct',
  'google.protobuf.Value', 'google.protobuf.ListValue', 'google.protobuf.FieldMask', 'google.protobuf.NullValue',
];

/** protoc-gen-validate rules of one field as the generator writes them (kind stripped). */
type RawRules = Record<string, any>;

/**
 * protoc-gen-validate rules of one field, compiled into one fixed shape so that the validator's
 * property reads stay monomorphic. Duration operands are `[seconds, nanos]`.
 */
export class Rules {
  public readonly required: boolean;
  public readonly const: any;
  public readonly in: any[] | undefined;
  public readonly notIn: any[] | undefined;
  public readonly lt: any;
  public readonly lte: any;
  public readonly gt: any;
  public readonly gte: any;
  public readonly definedOnly: boolean;
  public readonly len: number | undefined;
  public readonly minLen: number | undefined;
  public readonly maxLen: number | undefined;
  public readonly minBytes: number | undefined;
  public readonly maxBytes: number | undefined;
  public readonly prefix: string | undefined;
  public readonly suffix: string | undefined;
  public readonly contains: string | undefined;
  public readonly notContains: string | undefined;
  public readonly pattern: string | undefined;
  public readonly wellKnownRegex: string | undefined;
  public readonly strict: boolean;
  public readonly ignoreEmpty: boolean;
  public readonly minItems: number | undefined;
  public readonly maxItems: number | undefined;
  public readonly unique: boolean;
  public readonly items: Rules | undefined;
  public readonly minPairs: number | undefined;
  public readonly maxPairs: number | undefined;
  public readonly keys: Rules | undefined;
  public readonly values: Rules | undefined;
  /** Any rule that applies to a single value (not to list or map sizes, not `required`). */
  public readonly valueRules: boolean;
  /** Any string rule beyond const and the length rules. */
  public readonly stringContent: boolean;

  constructor(raw: RawRules) {
    this.required = raw.required === true;
    this.const = raw.const;
    this.in = raw.in;
    this.notIn = raw.not_in;
    this.lt = raw.lt;
    this.lte = raw.lte;
    this.gt = raw.gt;
    this.gte = raw.gte;
    this.definedOnly = raw.defined_only === true;
    this.len = raw.len;
    this.minLen = raw.min_len;
    this.maxLen = raw.max_len;
    this.minBytes = raw.min_bytes;
    this.maxBytes = raw.max_bytes;
    this.prefix = raw.prefix;
    this.suffix = raw.suffix;
    this.contains = raw.contains;
    this.notContains = raw.not_contains;
    this.pattern = raw.pattern;
    this.wellKnownRegex = raw.well_known_regex;
    this.strict = raw.strict !== false;
    this.ignoreEmpty = raw.ignore_empty === true;
    this.minItems = raw.min_items;
    this.maxItems = raw.max_items;
    this.unique = raw.unique === true;
    this.items = raw.items ? new Rules(raw.items) : undefined;
    this.minPairs = raw.min_pairs;
    this.maxPairs = raw.max_pairs;
    this.keys = raw.keys ? new Rules(raw.keys) : undefined;
    this.values = raw.values ? new Rules(raw.values) : undefined;
    this.stringContent = this.prefix !== undefined || this.suffix !== undefined || this.contains !== undefined
      || this.notContains !== undefined || this.pattern !== undefined || this.wellKnownRegex !== undefined
      || this.in !== undefined || this.notIn !== undefined;
    this.valueRules = this.stringContent || this.const !== undefined || this.definedOnly
      || this.lt !== undefined || this.lte !== undefined || this.gt !== undefined || this.gte !== undefined
      || this.len !== undefined || this.minLen !== undefined || this.maxLen !== undefined
      || this.minBytes !== undefined || this.maxBytes !== undefined;
  }
}

export interface FieldInfo {
  /** proto field name (snake_case) */
  readonly name: string;
  /** proto3 JSON name (lowerCamelCase) */
  readonly json: string;
  /** `<message>.<field>`, as Envoy names deprecated fields */
  readonly fullName: string;
  readonly kind: number;
  /** message or enum type name (K_MESSAGE, K_ENUM) */
  readonly typeName: string;
  readonly repeated: boolean;
  /** kind of the map key, or -1 when the field is not a map */
  readonly mapKey: number;
  /** a wrapper type (UInt32Value, ...): written as the scalar, but has presence */
  readonly wrapper: boolean;
  /** index into MessageInfo.oneofs, or -1 */
  readonly oneof: number;
  readonly deprecated: boolean;
  /** deprecated and rejected by Envoy unless a runtime key allows it */
  readonly disallowed: boolean;
  readonly workInProgress: boolean;
  /** deprecated or work-in-progress: worth a look when set */
  readonly flagged: boolean;
  /** undefined when the message's rules are disabled */
  readonly rules?: Rules;
  /** the compiled message type (K_MESSAGE), set on first use */
  messageInfo?: MessageInfo;
}

export interface OneofInfo {
  readonly name: string;
  readonly required: boolean;
  readonly fields: FieldInfo[];
}

export interface MessageInfo {
  readonly name: string;
  readonly fields: FieldInfo[];
  /** both the proto name and the JSON name of every field */
  readonly byKey: Map<string, FieldInfo>;
  readonly oneofs: OneofInfo[];
  readonly workInProgress: boolean;
  /** the proto file declaring the message, when that whole file is marked work-in-progress */
  readonly workInProgressFile: string | undefined;
  /** Envoy requires `transport_api_version: V3` in it (TRANSPORT_CHECKED) */
  readonly transportChecked: boolean;
  /** xds.type.v3.TypedStruct or udpa.type.v1.TypedStruct, whose `value` is validated as its `type_url` */
  readonly typedStruct: boolean;
  /** the field names the message reserves: fields removed from it (a v3 Cluster's "tls_context") */
  readonly reserved: ReadonlySet<string>;
  /**
   * Fields to look at when they are absent (rules that fail on the default value, deprecated
   * default enum values); computed by the validator on first use.
   */
  absentChecks?: FieldInfo[];
}

export interface EnumInfo {
  readonly name: string;
  readonly byName: Map<string, number>;
  readonly numbers: Set<number>;
  readonly deprecated: Set<string>;
  readonly disallowed: Set<string>;
  /** the value name of number 0 (the default) */
  readonly defaultName: string | undefined;
  /** the value names the enum reserves: values removed from it */
  readonly reserved: ReadonlySet<string>;
}

interface RawMessage {
  readonly f: RawField[];
  readonly o?: Array<[string, number?]>;
  readonly n?: number;
  readonly w?: number;
  /** the proto file, when the whole file is marked work-in-progress */
  readonly wf?: string;
  /** reserved field names */
  readonly r?: string[];
}
type RawField = [string, string | [string, string], number?, number?, RawRules?];
interface RawEnum {
  readonly e: Record<string, number>;
  readonly d?: string[];
  readonly x?: string[];
  /** reserved value names */
  readonly r?: string[];
}
interface RawDescriptor {
  readonly meta: { readonly source: string; readonly skippedFiles: string[] };
  readonly renamed: Record<string, string>;
  readonly unchecked: string[];
  readonly types: Record<string, RawMessage | RawEnum>;
}

/**
 * The descriptor file, indexed by type name without parsing it whole: the generator writes one
 * type a line (`"<name>":{...},`), so a type's JSON is parsed only when a config first uses it.
 * A file of any other layout is parsed whole.
 */
export class DescriptorIndex {
  public static parse(text: string): DescriptorIndex {
    const lines = text.split('\n');
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    const header = ['{', '"meta":', '"renamed":', '"unchecked":', '"types":{'];
    const lineLayout = lines.length >= 6 && lines[lines.length - 1] === '}}'
      && header.every((start, i) => (i === 0 || i === 4 ? lines[i] === start : lines[i].startsWith(start)));
    if (!lineLayout) return new DescriptorIndex(JSON.parse(text) as RawDescriptor, undefined, undefined);
    const value = (line: string, key: string) => JSON.parse(line.slice(key.length + 3, line.endsWith(',') ? -1 : undefined));
    const texts = new Map<string, string>();
    for (let i = 5; i < lines.length - 1; i++) {
      const line = lines[i];
      const colon = line.indexOf('":{');
      texts.set(line.slice(1, colon), line.slice(colon + 2, line.endsWith(',') ? -1 : undefined));
    }
    return new DescriptorIndex({ meta: value(lines[1], 'meta'), renamed: {}, unchecked: value(lines[3], 'unchecked'), types: {} }, texts, lines[2]);
  }

  public readonly source: string;
  public readonly unchecked: Set<string>;
  private readonly parsed = new Map<string, RawMessage | RawEnum>();
  private renamed: Record<string, string> | undefined;

  private constructor(raw: RawDescriptor, private readonly texts: Map<string, string> | undefined, private readonly renamedLine: string | undefined) {
    this.source = raw.meta.source;
    this.unchecked = new Set(raw.unchecked);
    if (!texts) {
      this.renamed = raw.renamed;
      for (const [name, type] of Object.entries(raw.types)) this.parsed.set(name, type);
    }
  }

  /** 'message', 'enum', or undefined for a name that is not in the descriptor. */
  public kind(name: string): 'message' | 'enum' | undefined {
    const text = this.texts?.get(name);
    if (text !== undefined) return text.startsWith('{"e":') ? 'enum' : 'message';
    const type = this.parsed.get(name);
    return type === undefined ? undefined : (type as RawEnum).e !== undefined ? 'enum' : 'message';
  }

  public type(name: string): RawMessage | RawEnum {
    let type = this.parsed.get(name);
    if (type === undefined) {
      type = JSON.parse(this.texts!.get(name)!) as RawMessage | RawEnum;
      this.parsed.set(name, type);
    }
    return type;
  }

  public names(): string[] {
    return [...(this.texts ?? this.parsed).keys()];
  }

  public renamedFrom(name: string): string | undefined {
    if (this.renamed === undefined) this.renamed = JSON.parse(this.renamedLine!.slice('"renamed":'.length, -1)) as Record<string, string>;
    return this.renamed[name];
  }
}

/** Whether a power-of-two flag is set in the generator's flag number. */
function hasFlag(flags: number, flag: number): boolean {
  return Math.floor(flags / flag) % 2 === 1;
}

/** The lowerCamelCase JSON name protoc derives from a field name: each "_x" becomes "X". */
export function jsonName(name: string): string {
  if (name.indexOf('_') < 0) return name;
  const parts = name.split('_');
  let out = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    out += part.length ? part[0].toUpperCase() + part.slice(1) : '';
  }
  return out;
}

/** The Envoy v3 API schema: raw descriptor plus lazily compiled messages and enums. */
export class EnvoySchema {
  /** The schema, read from disk on first use. */
  public static get(): EnvoySchema {
    if (!EnvoySchema.instance) {
      EnvoySchema.instance = new EnvoySchema(EnvoySchema.read());
    }
    return EnvoySchema.instance;
  }

  private static instance: EnvoySchema | undefined;

  private static read(): DescriptorIndex {
    const file = path.join(__dirname, DESCRIPTOR_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`cdk8s-meshkit: the Envoy API descriptor ${file} is missing (${(e as Error).message}); reinstall the package, or in a source checkout run "npx projen build" (pre-compile writes src/validation/envoy/descriptors.json, post-compile copies it into lib/)`);
    }
    return DescriptorIndex.parse(text);
  }

  public readonly source: string;
  private readonly raw: DescriptorIndex;
  private readonly messages = new Map<string, MessageInfo>();
  private readonly enums = new Map<string, EnumInfo>();
  private readonly typeUrls = new Map<string, MessageInfo>();
  private typeNames: string[] | undefined;

  private constructor(raw: DescriptorIndex) {
    this.raw = raw;
    this.source = raw.source;
  }

  /** Whether the name is a message type of the schema (well-known types included). */
  public isMessage(name: string): boolean {
    return this.raw.kind(name) === 'message';
  }

  public isEnum(name: string): boolean {
    return this.raw.kind(name) === 'enum';
  }

  /** The JSON kind of a message type: K_MESSAGE, or the well-known type's own kind. */
  public kindOf(name: string): number {
    return WELL_KNOWN[name]?.kind ?? K_MESSAGE;
  }

  /** Whether the name is a wrapper type, written as its scalar. */
  public isWrapper(name: string): boolean {
    return WELL_KNOWN[name]?.wrapper === true;
  }

  /** Messages of proto files that could not be compiled (an import is not shipped). */
  public isUnchecked(name: string): boolean {
    return this.raw.unchecked.has(name);
  }

  /** The v3 name of a removed v2 message, when the v3 protos record it. */
  public renamedFrom(v2Name: string): string | undefined {
    return this.raw.renamedFrom(v2Name);
  }

  /** All type names (messages and enums), sorted. */
  public allTypeNames(): string[] {
    if (!this.typeNames) this.typeNames = this.raw.names();
    return this.typeNames;
  }

  /** The message type a type URL names, when the schema has it (cached per URL). */
  public messageOfTypeUrl(url: string): MessageInfo | undefined {
    let info = this.typeUrls.get(url);
    if (info === undefined) {
      const slash = url.lastIndexOf('/');
      const name = url.slice(slash + 1);
      if (slash <= 0 || !this.isMessage(name) || WELL_KNOWN[name] !== undefined) return undefined;
      info = this.message(name);
      this.typeUrls.set(url, info);
    }
    return info;
  }

  public message(name: string): MessageInfo {
    let info = this.messages.get(name);
    if (!info) {
      info = this.compileMessage(name);
      this.messages.set(name, info);
    }
    return info;
  }

  public enum(name: string): EnumInfo {
    let info = this.enums.get(name);
    if (!info) {
      const raw = this.raw.type(name) as RawEnum;
      const byName = new Map<string, number>();
      let defaultName: string | undefined;
      for (const [valueName, number] of Object.entries(raw.e)) {
        byName.set(valueName, number);
        if (number === 0 && defaultName === undefined) defaultName = valueName;
      }
      info = {
        name,
        byName,
        numbers: new Set(byName.values()),
        deprecated: new Set(raw.d ?? []),
        disallowed: new Set(raw.x ?? []),
        defaultName,
        reserved: raw.r ? new Set(raw.r) : NONE_RESERVED,
      };
      this.enums.set(name, info);
    }
    return info;
  }

  private compileMessage(name: string): MessageInfo {
    const raw = this.raw.type(name) as RawMessage;
    const rulesOn = raw.n !== 1;
    const oneofs: OneofInfo[] = (raw.o ?? []).map(([oneofName, required]) => ({ name: oneofName, required: rulesOn && required === 1, fields: [] }));
    const fields: FieldInfo[] = [];
    const byKey = new Map<string, FieldInfo>();
    for (const [fieldName, type, flags = 0, oneof = -1, rules] of raw.f) {
      const isMap = Array.isArray(type);
      const valueType = isMap ? type[1] : type;
      const scalar = SCALAR_KINDS[valueType];
      let kind: number;
      if (scalar !== undefined) kind = scalar;
      else if (this.isEnum(valueType)) kind = valueType === 'google.protobuf.NullValue' ? K_NULL_VALUE : K_ENUM;
      else kind = this.kindOf(valueType);
      const field: FieldInfo = {
        name: fieldName,
        json: jsonName(fieldName),
        fullName: `${name}.${fieldName}`,
        kind,
        typeName: valueType,
        repeated: !isMap && hasFlag(flags, FLAG_REPEATED),
        mapKey: isMap ? SCALAR_KINDS[type[0]] : -1,
        wrapper: scalar === undefined && this.isWrapper(valueType),
        oneof,
        deprecated: hasFlag(flags, FLAG_DEPRECATED),
        disallowed: hasFlag(flags, FLAG_DISALLOWED),
        workInProgress: hasFlag(flags, FLAG_WORK_IN_PROGRESS),
        flagged: hasFlag(flags, FLAG_DEPRECATED) || hasFlag(flags, FLAG_WORK_IN_PROGRESS),
        rules: rulesOn && rules ? new Rules(rules) : undefined,
      };
      fields.push(field);
      byKey.set(field.name, field);
      byKey.set(field.json, field);
      if (oneof >= 0) oneofs[oneof].fields.push(field);
    }
    return {
      name,
      fields,
      byKey,
      oneofs,
      workInProgress: raw.w === 1,
      workInProgressFile: raw.wf,
      typedStruct: TYPED_STRUCTS.has(name),
      reserved: raw.r ? new Set(raw.r) : NONE_RESERVED,
      transportChecked: TRANSPORT_CHECKED.has(name),
    };
  }
}
