// Validates Kubernetes manifests against schemas that are independent of this library.
//
// Reads the manifests on stdin (a JSON array, or { manifests, charts } naming the chart of each)
// and writes a JSON report on stdout. It runs as a separate Node process because the schema
// packages are ES modules, which jest's CommonJS runtime cannot load.
//
// Two independent checks:
//  1. kubernetes-models (core kinds) and @kubernetes-models/{istio,cert-manager,prometheus-operator}
//     (CRD kinds). Their compiled validators check types, enums, formats and required fields,
//     but accept properties that the schema doesn't know. To catch those, each object is
//     validated through a recording Proxy. A validator reads every property its schema
//     declares (and enumerates the keys of free-form maps), so a key it never read is a field
//     the schema doesn't have: that is reported as "unknown field" — except inside fields that
//     the CRD marks x-kubernetes-preserve-unknown-fields, whose keys the compiled validators
//     never read (free-form values such as an EnvoyFilter's Envoy config).
//  2. The CRD's own openAPIV3Schema from ../shared/crds (the exact upstream versions the library
//     targets), with every object schema closed (additionalProperties: false) unless it says
//     x-kubernetes-preserve-unknown-fields or declares additionalProperties itself, which is what
//     the API server would prune silently. This is the only check for marin3r kinds, which have
//     no @kubernetes-models package. When ../shared/crds is missing, the report says so in `skipped`.
// Two checks of its own (source "harness"): cluster-scoped objects carry no namespace, and within
// one chart no object comes before the Namespace it lives in.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import YAML from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const crdsDir = process.env.MESHKIT_CRDS_DIR ?? resolve(here, '..', '..', '..', 'shared', 'crds');

/** Which package holds the models of an API group. Core groups not listed use kubernetes-models. */
const MODEL_PACKAGES = [
  [/\.istio\.io$/, '@kubernetes-models/istio'],
  [/(^|\.)cert-manager\.io$/, '@kubernetes-models/cert-manager'],
  [/^monitoring\.coreos\.com$/, '@kubernetes-models/prometheus-operator'],
];
/** Groups that only the CRD schemas from ../shared/crds describe. */
const CRD_ONLY_GROUPS = [/(^|\.)marin3r\.3scale\.net$/];

function splitApiVersion(apiVersion) {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

function modelSpecifier(apiVersion, kind) {
  const { group, version } = splitApiVersion(apiVersion);
  if (CRD_ONLY_GROUPS.some((re) => re.test(group))) return undefined;
  for (const [re, pkg] of MODEL_PACKAGES) {
    if (re.test(group)) return `${pkg}/${group}/${version}/${kind}`;
  }
  if (group.includes('.') && !group.endsWith('.k8s.io')) return undefined; // some other CRD
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

// ---------------------------------------------------------------------------------------------
// 1. kubernetes-models with unknown-field detection
// ---------------------------------------------------------------------------------------------

const modelCache = new Map();
async function loadModel(apiVersion, kind) {
  const spec = modelSpecifier(apiVersion, kind);
  if (!spec) return undefined;
  if (!modelCache.has(spec)) {
    modelCache.set(spec, import(spec).then((mod) => mod[kind]).catch(() => null));
  }
  return modelCache.get(spec);
}

function ajvMessage(e) {
  const base = e.message ?? `${e.keyword} ${JSON.stringify(e.params)}`;
  return e.params?.allowedValues ? `${base} (${e.params.allowedValues.join(', ')})` : base;
}

/** Wraps `root` so that every property read and every key enumeration is recorded per object. */
function recordingProxy(root) {
  const records = new Map(); // raw object -> { read: Set<string>, enumerated: boolean }
  const proxies = new Map(); // raw object -> its proxy (one per object, so records accumulate)
  const wrap = (value) => {
    if (value === null || typeof value !== 'object') return value;
    let proxy = proxies.get(value);
    if (proxy) return proxy;
    const rec = { read: new Set(), enumerated: false };
    records.set(value, rec);
    proxy = new Proxy(value, {
      get(target, key) {
        if (typeof key === 'string') rec.read.add(key);
        return wrap(target[key]);
      },
      has(target, key) {
        if (typeof key === 'string') rec.read.add(key);
        return key in target;
      },
      ownKeys(target) {
        rec.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return { proxy: wrap(root), records };
}

function unknownFields(value, records, path, out) {
  if (value === null || typeof value !== 'object') return;
  const rec = records.get(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => unknownFields(item, records, `${path}/${i}`, out));
    return;
  }
  for (const key of Object.keys(value)) {
    if (rec && !rec.enumerated && !rec.read.has(key)) {
      out.push({ source: 'kubernetes-models', path: `${path}/${key}`, message: 'unknown field (not in the schema)' });
      continue; // its content was never looked at either
    }
    if (rec) unknownFields(value[key], records, `${path}/${key}`, out);
  }
}

async function checkWithModel(obj, findings) {
  const Model = await loadModel(obj.apiVersion, obj.kind);
  if (Model === undefined) return false;
  if (Model === null) {
    findings.push({ source: 'kubernetes-models', path: '', message: `no model for ${obj.apiVersion} ${obj.kind} in ${modelSpecifier(obj.apiVersion, obj.kind)}` });
    return true;
  }
  const { proxy, records } = recordingProxy(obj);
  try {
    Model.prototype.validate.call(proxy);
  } catch (err) {
    if (!err.errors) throw err;
    for (const e of err.errors) findings.push({ source: 'kubernetes-models', path: e.instancePath, message: ajvMessage(e) });
  }
  const unknown = [];
  unknownFields(obj, records, '', unknown);
  // The compiled model validators check that a free-form value is an object but never read its
  // keys, so everything inside one looks unknown; the CRD says which fields are free-form.
  findings.push(...unknown.filter((f) => !freeFormInCrd(obj, f.path)));
  return true;
}

/**
 * Whether the CRD of `obj` marks the field at the JSON pointer `path`, or one of its parents, with
 * x-kubernetes-preserve-unknown-fields (e.g. an EnvoyFilter's patch value, which is Envoy config).
 * Without ../shared/crds nothing is known to be free-form.
 */
function freeFormInCrd(obj, path) {
  const { group, version } = splitApiVersion(obj.apiVersion);
  let schema = loadCrdIndex()?.get(`${group}/${version}/${obj.kind}`);
  for (const raw of path.split('/').slice(1)) {
    if (!schema || typeof schema !== 'object') return false;
    if (schema['x-kubernetes-preserve-unknown-fields'] === true) return true;
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (schema.type === 'array') schema = schema.items;
    else if (schema.properties && key in schema.properties) schema = schema.properties[key];
    else schema = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  }
  return schema?.['x-kubernetes-preserve-unknown-fields'] === true;
}

// ---------------------------------------------------------------------------------------------
// 2. CRD openAPIV3Schema from ../shared/crds, closed against unknown fields
// ---------------------------------------------------------------------------------------------

let crdIndex; // "group/version/Kind" -> openAPIV3Schema
const crdScopes = new Map(); // "group/Kind" -> "Namespaced" | "Cluster"
function loadCrdIndex() {
  if (crdIndex !== undefined) return crdIndex;
  crdIndex = null;
  if (!existsSync(crdsDir)) return crdIndex;
  crdIndex = new Map();
  for (const project of readdirSync(crdsDir, { withFileTypes: true })) {
    if (!project.isDirectory()) continue;
    for (const file of readdirSync(join(crdsDir, project.name))) {
      if (!file.endsWith('.yaml')) continue;
      for (const doc of YAML.parseAllDocuments(readFileSync(join(crdsDir, project.name, file), 'utf8'))) {
        const crd = doc.toJS();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        crdScopes.set(`${crd.spec.group}/${crd.spec.names.kind}`, crd.spec.scope);
        for (const v of crd.spec.versions ?? []) {
          crdIndex.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, v.schema?.openAPIV3Schema);
        }
      }
    }
  }
  return crdIndex;
}

/** Closes every object schema the way the API server's pruning would treat it. */
function closeSchema(schema) {
  if (schema === null || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map(closeSchema);
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, closeSchema(s)])) : closeSchema(v);
  }
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.properties && !preserve && schema.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const crdValidators = new Map();
function crdValidator(key) {
  if (!crdValidators.has(key)) {
    const schema = loadCrdIndex()?.get(key);
    if (!schema) {
      crdValidators.set(key, null);
    } else {
      // metadata is ObjectMeta, validated by the API server itself, not by the CRD schema
      const closed = closeSchema({ ...schema, properties: { ...schema.properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } } });
      crdValidators.set(key, ajv.compile(closed));
    }
  }
  return crdValidators.get(key);
}

let metaModel;
async function checkMetadata(obj, findings) {
  metaModel ??= (await import('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta')).ObjectMeta;
  const sub = [];
  const { proxy, records } = recordingProxy(obj.metadata ?? {});
  try {
    metaModel.prototype.validate.call(proxy);
  } catch (err) {
    if (!err.errors) throw err;
    for (const e of err.errors) sub.push({ source: 'kubernetes-models', path: `/metadata${e.instancePath}`, message: ajvMessage(e) });
  }
  unknownFields(obj.metadata ?? {}, records, '/metadata', sub);
  findings.push(...sub);
}

function checkWithCrd(obj, findings) {
  const { group, version } = splitApiVersion(obj.apiVersion);
  if (!group.includes('.') || group.endsWith('.k8s.io')) return 'not-a-crd';
  if (loadCrdIndex() === null) return 'no-crds-dir';
  const validate = crdValidator(`${group}/${version}/${obj.kind}`);
  if (!validate) {
    findings.push({ source: 'crd', path: '', message: `no CustomResourceDefinition for ${obj.apiVersion} ${obj.kind} in ${crdsDir}` });
    return 'checked';
  }
  if (!validate(obj)) {
    for (const e of validate.errors) {
      const path = e.keyword === 'additionalProperties' ? `${e.instancePath}/${e.params.additionalProperty}` : e.instancePath;
      const message = e.keyword === 'additionalProperties' ? 'unknown field (not in the CRD schema)' : ajvMessage(e);
      findings.push({ source: 'crd', path, message });
    }
  }
  return 'checked';
}

// ---------------------------------------------------------------------------------------------
// 3. Cluster-scoped objects must not carry a namespace
// ---------------------------------------------------------------------------------------------

const CLUSTER_SCOPED_CORE = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'CustomResourceDefinition',
  'PriorityClass', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'IngressClass', 'RuntimeClass', 'CSIDriver', 'CSINode', 'APIService', 'VolumeAttachment',
]);

function checkScope(obj, findings) {
  const { group } = splitApiVersion(obj.apiVersion);
  const custom = group.includes('.') && !group.endsWith('.k8s.io');
  const cluster = custom ? loadCrdIndex() !== null && crdScopes.get(`${group}/${obj.kind}`) === 'Cluster' : CLUSTER_SCOPED_CORE.has(obj.kind);
  if (cluster && obj.metadata?.namespace !== undefined) {
    findings.push({ source: 'harness', path: '/metadata/namespace', message: `${obj.kind} is cluster-scoped and must not carry a namespace` });
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Within one chart, a Namespace comes before the objects in it
// ---------------------------------------------------------------------------------------------

/**
 * `kubectl apply -f` creates a file's objects in order: an object that comes before the Namespace
 * it lives in fails with `namespaces "<name>" not found` on the first apply. `charts[i]` says which
 * chart produced `input[i]`; only a Namespace of the same chart counts (one chart, one file).
 */
function checkNamespaceOrder(input, charts, findingsOf) {
  const namespaceAt = new Map(); // "chart\0name" -> index of the Namespace object
  input.forEach((obj, index) => {
    if (obj?.apiVersion === 'v1' && obj.kind === 'Namespace' && typeof obj.metadata?.name === 'string') {
      const key = `${charts[index]}\0${obj.metadata.name}`;
      if (!namespaceAt.has(key)) namespaceAt.set(key, index);
    }
  });
  input.forEach((obj, index) => {
    const namespace = obj?.metadata?.namespace;
    if (typeof namespace !== 'string' || obj.kind === 'Namespace') return;
    const at = namespaceAt.get(`${charts[index]}\0${namespace}`);
    if (at !== undefined && at > index) {
      findingsOf(index).push({
        source: 'harness',
        path: '/metadata/namespace',
        message: `comes before the Namespace ${namespace} of the same chart (object #${at}): the first kubectl apply fails with namespaces "${namespace}" not found`,
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// 5. Pod template names the API server checks beyond the OpenAPI schema
// ---------------------------------------------------------------------------------------------

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** IANA_SVC_NAME: at most 15 characters, lower-case letters, digits and '-', a letter, no '--'. */
function portNameProblem(name) {
  if (name.length > 15) return 'is longer than 15 characters';
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) || name.includes('--') || !/[a-z]/.test(name)) {
    return 'is not an IANA service name (lower-case letters, digits and single dashes, with a letter)';
  }
  return undefined;
}

function podSpecOf(obj) {
  if (obj.kind === 'Pod') return ['/spec', obj.spec];
  if (obj.kind === 'CronJob') return ['/spec/jobTemplate/spec/template/spec', obj.spec?.jobTemplate?.spec?.template?.spec];
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(obj.kind)) return ['/spec/template/spec', obj.spec?.template?.spec];
  return [undefined, undefined];
}

/**
 * Volume and container names are RFC 1123 labels, port names IANA service names, both unique;
 * every volumeMount names a volume of the pod (the API server refuses the object otherwise).
 */
function checkPodNames(obj, findings) {
  const [at, spec] = podSpecOf(obj);
  if (!spec || typeof spec !== 'object') return;
  const problem = (path, message) => findings.push({ source: 'harness', path: `${at}${path}`, message });
  const volumes = new Set();
  (spec.volumes ?? []).forEach((v, i) => {
    if (typeof v?.name !== 'string' || v.name.length > 63 || !DNS1123_LABEL.test(v.name)) problem(`/volumes/${i}/name`, `${JSON.stringify(v?.name)} is not an RFC 1123 label`);
    if (volumes.has(v?.name)) problem(`/volumes/${i}/name`, `${JSON.stringify(v.name)} is used twice`);
    volumes.add(v?.name);
  });
  const containerNames = new Set();
  for (const field of ['initContainers', 'containers']) {
    (spec[field] ?? []).forEach((c, i) => {
      if (typeof c?.name !== 'string' || c.name.length > 63 || !DNS1123_LABEL.test(c.name)) problem(`/${field}/${i}/name`, `${JSON.stringify(c?.name)} is not an RFC 1123 label`);
      if (containerNames.has(c?.name)) problem(`/${field}/${i}/name`, `${JSON.stringify(c.name)} is used twice`);
      containerNames.add(c?.name);
      const portNames = new Set();
      (c?.ports ?? []).forEach((p, j) => {
        if (p?.name === undefined) return;
        const why = typeof p.name === 'string' ? portNameProblem(p.name) : 'is not a string';
        if (why) problem(`/${field}/${i}/ports/${j}/name`, `${JSON.stringify(p.name)} ${why}`);
        if (portNames.has(p.name)) problem(`/${field}/${i}/ports/${j}/name`, `${JSON.stringify(p.name)} is used twice`);
        portNames.add(p.name);
      });
      (c?.volumeMounts ?? []).forEach((m, j) => {
        if (!volumes.has(m?.name)) problem(`/${field}/${i}/volumeMounts/${j}/name`, `${JSON.stringify(m?.name)} is not a volume of the pod`);
      });
    });
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * The input is either an array of manifests (one chart) or `{ manifests, charts }`, where
 * `charts[i]` names the chart that produced `manifests[i]`.
 */
function readInput() {
  const raw = JSON.parse(readFileSync(0, 'utf8'));
  if (Array.isArray(raw)) return { input: raw, charts: raw.map(() => '') };
  const input = raw.manifests;
  return { input, charts: input.map((_, i) => String(raw.charts?.[i] ?? '')) };
}

async function main() {
  const { input, charts } = readInput();
  const orderFindings = new Map(); // index -> findings
  checkNamespaceOrder(input, charts, (index) => {
    if (!orderFindings.has(index)) orderFindings.set(index, []);
    return orderFindings.get(index);
  });
  const objects = [];
  const skipped = new Set();
  const counts = { models: 0, crd: 0 };
  for (const [index, obj] of input.entries()) {
    const findings = [];
    if (!obj || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      findings.push({ source: 'harness', path: '', message: 'not a Kubernetes object (apiVersion and kind are required)' });
      objects.push({ index, findings });
      continue;
    }
    checkScope(obj, findings);
    checkPodNames(obj, findings);
    findings.push(...(orderFindings.get(index) ?? []));
    const byModel = await checkWithModel(obj, findings);
    if (byModel) counts.models++;
    const byCrd = checkWithCrd(obj, findings);
    if (byCrd === 'checked') counts.crd++;
    if (byCrd === 'no-crds-dir') skipped.add(`${obj.apiVersion} ${obj.kind}: CRD schema check skipped, ${crdsDir} does not exist`);
    if (!byModel && byCrd !== 'not-a-crd') await checkMetadata(obj, findings);
    if (!byModel && byCrd !== 'checked' && byCrd !== 'no-crds-dir') {
      findings.push({ source: 'harness', path: '', message: `no independent schema validated ${obj.apiVersion} ${obj.kind}` });
    }
    findings.sort((a, b) => a.path.localeCompare(b.path) || a.source.localeCompare(b.source) || a.message.localeCompare(b.message));
    objects.push({ index, apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name, namespace: obj.metadata?.namespace, findings });
  }
  process.stdout.write(JSON.stringify({ objects, counts, skipped: [...skipped].sort(), crdsDir: loadCrdIndex() ? crdsDir : null }));
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(2);
});
