#!/usr/bin/env node
/*
 * Compiles Envoy's v3 API protos into the compact descriptor that the synth-time validator
 * (src/validation/envoy) reads: src/validation/envoy/descriptors.json.
 *
 * The protos come from the npm package @grpc/grpc-js-xds (deps/envoy-api, deps/xds with udpa
 * and xds, deps/googleapis, deps/protoc-gen-validate); the google.protobuf well-known types come
 * with protobufjs. Both are devDependencies: the library itself ships only the JSON.
 *
 * What the JSON holds, for every message and enum reachable from the envoy.* v3 packages and
 * the xds/udpa type packages (the removed v2 API — envoy.api.v2.*, *.v2, *.v2alpha — is left out):
 *   - messages: fields (proto name, type, repeated/map, oneof), oneofs (with validate.required),
 *     the protoc-gen-validate rules of each field with the rule kind stripped
 *     (e.g. {"lte":65535} for (validate.rules).uint32.lte), deprecation and work-in-progress marks;
 *   - the names a message or enum reserves: fields and values removed from it (e.g. a v3
 *     Cluster's "tls_context"), so that the validator can say so instead of "unknown";
 *   - enums: value names and numbers, deprecated values;
 *   - renamed: v2 message name -> v3 name, from (udpa.annotations.versioning).previous_message_type;
 *   - unchecked: messages of proto files that cannot be loaded because an import is not shipped.
 *
 * The output is sorted and has one type a line, so regenerating on a clean clone yields the
 * same bytes and a change of the protos shows as a readable diff.
 *
 * Usage: node scripts/build-envoy-descriptors.js [--out FILE] [--check]
 *   --check  exits 1 if FILE differs from what would be written (nothing is written)
 */
'use strict';
const fs = require('fs');
const path = require('path');
const protobuf = require('protobufjs');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const outFlag = args.indexOf('--out');
const outFile = outFlag >= 0 ? path.resolve(args[outFlag + 1]) : path.join(root, 'src', 'validation', 'envoy', 'descriptors.json');
const checkOnly = args.includes('--check');

const xdsPackage = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const xdsVersion = require('@grpc/grpc-js-xds/package.json').version;
const deps = path.join(xdsPackage, 'deps');
const protobufjsDir = path.dirname(require.resolve('protobufjs/package.json'));
const INCLUDE_DIRS = [
  path.join(deps, 'envoy-api'),
  path.join(deps, 'xds'),
  path.join(deps, 'googleapis'),
  path.join(deps, 'protoc-gen-validate'),
  protobufjsDir, // google/protobuf/*.proto
];

/** Well-known types that protobufjs defines itself (they are not files on disk). */
const BUILTIN_FILES = new Set(['any', 'duration', 'empty', 'field_mask', 'struct', 'timestamp', 'wrappers', 'api', 'source_context', 'type']
  .map((n) => `google/protobuf/${n}.proto`));

function findProto(rel) {
  for (const dir of INCLUDE_DIRS) {
    const p = path.join(dir, rel);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

function listProtos(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => cmp(a.name, b.name))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listProtos(p));
    else if (entry.name.endsWith('.proto')) out.push(p);
  }
  return out;
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A proto file of the current API: a versioned v3 file (envoy) or any file of xds/udpa. */
function isV3File(rel) {
  if (rel.startsWith('envoy/')) return /\/v3(alpha)?\//.test(rel);
  return rel.startsWith('xds/') || rel.startsWith('udpa/');
}

const importCache = new Map();
/** The first import (transitively) that no include directory has, or undefined. */
function missingImport(rel, seen = new Set()) {
  if (importCache.has(rel)) return importCache.get(rel);
  if (BUILTIN_FILES.has(rel) || seen.has(rel)) return undefined;
  seen.add(rel);
  const file = findProto(rel);
  let missing;
  if (!file) {
    missing = rel;
  } else {
    const source = fs.readFileSync(file, 'utf8');
    for (const m of source.matchAll(/^import\s+(?:public\s+|weak\s+)?"([^"]+)"/gm)) {
      missing = missingImport(m[1], seen);
      if (missing) break;
    }
  }
  importCache.set(rel, missing);
  return missing;
}

// ---- load -----------------------------------------------------------------------------------

const candidates = [];
for (const [dir, sub] of [[path.join(deps, 'envoy-api'), 'envoy'], [path.join(deps, 'xds'), 'xds'], [path.join(deps, 'xds'), 'udpa']]) {
  for (const file of listProtos(path.join(dir, sub))) {
    const rel = path.relative(dir, file).split(path.sep).join('/');
    if (isV3File(rel)) candidates.push(rel);
  }
}
candidates.sort(cmp);

const loadable = [];
const skipped = []; // [file, missing import]
for (const rel of candidates) {
  const missing = missingImport(rel);
  if (missing) skipped.push([rel, missing]);
  else loadable.push(rel);
}

const pb = new protobuf.Root();
pb.resolvePath = (_origin, target) => findProto(target) ?? target;
pb.loadSync(loadable, { keepCase: true });
pb.resolveAll();

// Message names declared in the files that could not be loaded: the validator reports them as
// "not checked" instead of "unknown type".
const unchecked = [];
for (const [rel] of skipped) {
  const parsed = protobuf.parse(fs.readFileSync(findProto(rel), 'utf8'), { keepCase: true });
  const prefix = parsed.package ? `${parsed.package}.` : '';
  const visit = (ns, name) => {
    for (const nested of ns.nestedArray ?? []) {
      const full = `${name}${nested.name}`;
      if (nested instanceof protobuf.Type) unchecked.push(full);
      if (nested.nestedArray) visit(nested, `${full}.`);
    }
  };
  const pkg = parsed.package ? parsed.root.lookup(parsed.package) : parsed.root;
  visit(pkg, prefix);
}

// ---- select types ---------------------------------------------------------------------------

const fullName = (t) => t.fullName.replace(/^\./, '');
const isRemovedApi = (name) => /^envoy\.api\.v2\./.test(name) || /\.v2(alpha\d*)?\./.test(name);
const isRootPackage = (name) =>
  (/^envoy\./.test(name) && /\.v3(alpha)?\./.test(name))
  || /^xds\.(type|core)\./.test(name)
  || /^udpa\.type\./.test(name);

const allTypes = [];
(function collect(ns) {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum) allTypes.push(nested);
    if (nested.nestedArray) collect(nested);
  }
})(pb);

const selected = new Map();
const queue = allTypes.filter((t) => isRootPackage(fullName(t)) && !isRemovedApi(fullName(t)));
while (queue.length) {
  const t = queue.pop();
  const name = fullName(t);
  if (selected.has(name)) continue;
  selected.set(name, t);
  if (t instanceof protobuf.Type) {
    for (const f of t.fieldsArray) {
      if (f.resolvedType) queue.push(f.resolvedType);
    }
  }
}

// ---- encode ---------------------------------------------------------------------------------

/** Field flags (bit set): see src/validation/envoy/schema.ts. */
const REPEATED = 1;
const DEPRECATED = 2;
const DISALLOWED = 4;
const WORK_IN_PROGRESS = 8;

const SUPPORTED_RULES = new Set([
  'required', 'const', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'defined_only',
  'len', 'min_len', 'max_len', 'min_bytes', 'max_bytes', 'prefix', 'suffix', 'contains', 'not_contains',
  'pattern', 'well_known_regex', 'strict', 'ignore_empty',
  'min_items', 'max_items', 'unique', 'items', 'min_pairs', 'max_pairs', 'keys', 'values',
]);
const ignoredRules = new Map();

/** Merges the parsed option list of a field or oneof into one object per option name. */
function optionsOf(item) {
  const merged = {};
  for (const entry of item.parsedOptions ?? []) {
    for (const [key, value] of Object.entries(entry)) {
      merged[key] = isPlainObject(merged[key]) && isPlainObject(value) ? deepMerge(merged[key], value) : value;
    }
  }
  return merged;
}

function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k], v) : v;
  }
  return out;
}

/** `{string: {min_len: 1}}` -> `{min_len: 1}`; `{message: {required: true}, uint32: {gt: 0}}` -> both. */
function normalizeRules(rules, where) {
  if (!isPlainObject(rules)) return undefined;
  const out = {};
  for (const [kind, body] of Object.entries(rules)) {
    if (!isPlainObject(body)) {
      noteIgnored(`${kind}`, where);
      continue;
    }
    for (const [key, value] of Object.entries(body)) {
      if (!SUPPORTED_RULES.has(key)) {
        noteIgnored(`${kind}.${key}`, where);
        continue;
      }
      if (key === 'items' || key === 'keys' || key === 'values') {
        const nested = normalizeRules(value, `${where} ${key}`);
        if (nested) out[key] = nested;
      } else if (kind === 'duration' || kind === 'timestamp') {
        out[key] = key === 'required' ? value : durationValue(value);
      } else if (key === 'pattern') {
        checkPattern(value, where);
        out[key] = value;
      } else if (key === 'in' || key === 'not_in') {
        out[key] = (Array.isArray(value) ? value : [value]).map(plainValue);
      } else {
        out[key] = plainValue(value);
      }
    }
  }
  // `strict` only matters together with well_known_regex; proto default is true
  if (out.strict !== undefined && out.well_known_regex === undefined) delete out.strict;
  if (out.required === false) delete out.required;
  return Object.keys(out).length ? sortKeys(out) : undefined;
}

/**
 * PGV patterns are RE2; the validator runs them as JavaScript RegExps (with RE2's leading (?i)
 * turned into the i flag). Fail here, at build time, on one that JavaScript can't compile.
 */
function checkPattern(pattern, where) {
  try {
    new RegExp(pattern.replace(/^\(\?i\)/, ''), pattern.startsWith('(?i)') ? 'iu' : 'u');
  } catch (e) {
    throw new Error(`${where}: the PGV pattern ${JSON.stringify(pattern)} is not a valid JavaScript RegExp (${e.message}); teach compiledPattern() in src/validation/envoy/validator.ts to translate it`);
  }
}

function plainValue(v) {
  if (v && typeof v === 'object' && typeof v.toNumber === 'function') return v.toNumber(); // Long
  return v;
}

/** A Duration rule operand as [seconds, nanos]. */
function durationValue(v) {
  if (Array.isArray(v)) return v.map(durationValue);
  return [plainValue(v?.seconds ?? 0), plainValue(v?.nanos ?? 0)];
}

function noteIgnored(rule, where) {
  if (!ignoredRules.has(rule)) ignoredRules.set(rule, []);
  ignoredRules.get(rule).push(where);
}

function sortKeys(obj) {
  const out = {};
  for (const key of Object.keys(obj).sort(cmp)) out[key] = obj[key];
  return out;
}

function fieldType(f) {
  return f.resolvedType ? fullName(f.resolvedType) : f.type;
}

function encodeMessage(t) {
  const name = fullName(t);
  const entry = {};
  const oneofs = t.oneofsArray;
  const fields = [];
  for (const f of t.fieldsArray) {
    const opts = optionsOf(f);
    if (opts.json_name !== undefined) {
      throw new Error(`${name}.${f.name} sets json_name, which the validator does not support yet`);
    }
    let flags = 0;
    if (f.repeated) flags |= REPEATED;
    if (opts.deprecated === true) flags |= DEPRECATED;
    if (opts['(envoy.annotations.disallowed_by_default)'] === true) flags |= DISALLOWED;
    if (opts['(xds.annotations.v3.field_status)']?.work_in_progress === true) flags |= WORK_IN_PROGRESS;
    const type = f.map ? [f.keyType, fieldType(f)] : fieldType(f);
    const oneof = f.partOf ? oneofs.indexOf(f.partOf) : -1;
    const rules = normalizeRules(opts['(validate.rules)'], `${name}.${f.name}`);
    fields.push(trimField(rules ? [f.name, type, flags, oneof, rules] : [f.name, type, flags, oneof]));
  }
  entry.f = fields;
  if (oneofs.length) {
    entry.o = oneofs.map((o) => (optionsOf(o)['(validate.required)'] === true ? [o.name, 1] : [o.name]));
  }
  const reserved = reservedNames(t);
  if (reserved) entry.r = reserved;
  const msgOpts = optionsOf(t);
  if (msgOpts['(validate.disabled)'] === true || msgOpts['(validate.ignored)'] === true) entry.n = 1;
  if (msgOpts['(xds.annotations.v3.message_status)']?.work_in_progress === true) entry.w = 1;
  const wipFile = workInProgressFile(t.filename);
  if (wipFile) entry.wf = wipFile;
  return entry;
}

const WIP_FILE_OPTION = /^\s*option\s+\((?:xds\.annotations\.v3|udpa\.annotations)\.file_status\)\.work_in_progress\s*=\s*true\s*;/m;
const wipFiles = new Map();
/**
 * The import path of a proto file marked work-in-progress as a whole (file_status, either the xds
 * or the udpa annotation: Envoy warns about every message of such a file), or undefined.
 */
function workInProgressFile(filename) {
  if (!filename) return undefined;
  if (!wipFiles.has(filename)) {
    const rel = INCLUDE_DIRS.map((dir) => path.relative(dir, filename)).find((r) => !r.startsWith('..'));
    wipFiles.set(filename, WIP_FILE_OPTION.test(fs.readFileSync(filename, 'utf8')) ? rel.split(path.sep).join('/') : undefined);
  }
  return wipFiles.get(filename);
}

/** Drops trailing defaults: flags 0, oneof -1 (only when nothing follows them). */
function trimField(encoded) {
  const out = encoded.slice();
  if (out.length === 5) return out;
  while (out.length > 2) {
    const last = out[out.length - 1];
    if ((out.length === 4 && last === -1) || (out.length === 3 && last === 0)) out.pop();
    else break;
  }
  return out;
}

/** The names a message or enum reserves (fields or values removed from it), sorted; undefined if none. */
function reservedNames(t) {
  const names = (t.reserved ?? []).filter((r) => typeof r === 'string');
  return names.length ? names.sort(cmp) : undefined;
}

function encodeEnum(e) {
  const entry = { e: {} };
  for (const [valueName, number] of Object.entries(e.values)) entry.e[valueName] = number;
  const deprecated = [];
  const disallowed = [];
  for (const [valueName, opts] of Object.entries(e.valuesOptions ?? {})) {
    if (opts?.deprecated === true) deprecated.push(valueName);
    if (opts?.['(envoy.annotations.disallowed_by_default_enum)'] === true) disallowed.push(valueName);
  }
  if (deprecated.length) entry.d = deprecated.sort(cmp);
  if (disallowed.length) entry.x = disallowed.sort(cmp);
  const reserved = reservedNames(e);
  if (reserved) entry.r = reserved;
  return entry;
}

const names = [...selected.keys()].sort(cmp);
const types = {};
const renamed = {};
for (const name of names) {
  const t = selected.get(name);
  types[name] = t instanceof protobuf.Type ? encodeMessage(t) : encodeEnum(t);
  if (t instanceof protobuf.Type) {
    const previous = optionsOf(t)['(udpa.annotations.versioning)']?.previous_message_type;
    if (previous && isRemovedApi(previous)) renamed[previous] = name;
  }
}

// ---- write ----------------------------------------------------------------------------------

const meta = {
  source: `@grpc/grpc-js-xds ${xdsVersion} (deps/envoy-api, deps/xds, deps/googleapis, deps/protoc-gen-validate); google.protobuf from protobufjs`,
  generator: 'scripts/build-envoy-descriptors.js',
  skippedFiles: skipped.map(([file, missing]) => `${file} (imports ${missing})`),
};
const lines = [];
lines.push('{');
lines.push(`"meta":${JSON.stringify(meta)},`);
lines.push(`"renamed":${JSON.stringify(sortKeys(renamed))},`);
lines.push(`"unchecked":${JSON.stringify([...new Set(unchecked)].filter((n) => !selected.has(n)).sort(cmp))},`);
lines.push('"types":{');
lines.push(names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(types[n])}`).join(',\n'));
lines.push('}}');
const output = lines.join('\n') + '\n';

const messages = names.filter((n) => !types[n].e).length;
const summary = `${names.length} types (${messages} messages, ${names.length - messages} enums) from ${loadable.length} proto files; `
  + `${Object.keys(renamed).length} v2 renames; ${skipped.length} files skipped; ${(Buffer.byteLength(output) / 1024).toFixed(0)} KiB`;

if (checkOnly) {
  const current = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
  if (current !== output) {
    console.error(`${path.relative(root, outFile)} is out of date; run: node scripts/build-envoy-descriptors.js`);
    process.exit(1);
  }
  console.log(`${path.relative(root, outFile)} is up to date: ${summary}`);
} else {
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  const current = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : undefined;
  if (current !== output) fs.writeFileSync(outFile, output);
  console.log(`${path.relative(root, outFile)}: ${summary}`);
}
for (const [file, missing] of skipped) console.log(`  skipped ${file}: imports ${missing}, which @grpc/grpc-js-xds does not ship`);
for (const [rule, where] of [...ignoredRules.entries()].sort((a, b) => cmp(a[0], b[0]))) {
  console.log(`  rule ${rule} not checked (${where.length} fields, e.g. ${where[0]})`);
}
