/**
 * The one implementation of the manifest checks: Envoy configs found anywhere in the manifests,
 * validated against Envoy's protos, and the wiring checks across all objects. The cdk8s plugin,
 * `ManifestValidation` and the topology all call `checkManifestDocuments`.
 */
import { LocatedDocument, Segment, SyntaxProblem } from './documents';
import { EmbeddedEnvoyConfig, findEnvoyConfigs } from './envoy-configs';
import { ENVOY_RULES, ManifestRule, ManifestRuleSeverity, RuleSelection, selectRules } from './rules';
import { manifestNamespace } from '../../common/objects';
import { EnvoyConfigValidator, EnvoyFinding } from '../envoy/envoy-config-validator';
import { analyzeWiring } from '../wiring/engine';
import { IngressGatewayPods, WiringContext, WiringLink, WiringObjectRef, WiringSeverity, wiringSeverity } from '../wiring/model';

/** Which checks run, how their findings count, and what the manifests can't say. */
export interface ManifestValidationOptions {
  /**
   * The rules that run: rule ids (`envoy-filter`, `gateway-selector`, ...) and groups (`all`,
   * `envoy`, `wiring`). `manifest-syntax` always runs. An unknown name is an error.
   * @default ["all"]
   */
  readonly rules?: string[];
  /**
   * Severity by rule id or group: `error` (fails), `warning` (reported, passes) or `off`. A
   * rule's own entry wins over its group's. An unknown rule or severity is an error.
   * @default - every rule "error", except envoy-warning, gateway-shared-certificate, ext-authz-redirect and marin3r-discovery-service "warning"
   */
  readonly severities?: { [ruleOrGroup: string]: string };
  /**
   * Ingress gateway pods outside the manifests (wiring checks).
   * @default - Istio's default gateways in istio-system: the ingress (app=istio-ingressgateway,
   * istio=ingressgateway) and the egress gateway (app=istio-egressgateway, istio=egressgateway)
   */
  readonly ingressGateways?: IngressGatewayPods[];
  /**
   * Whether objects referenced but absent from the manifests may be assumed to exist (wiring checks).
   * @default false
   */
  readonly assumeExternalObjects?: boolean;
  /**
   * Namespace of objects without `metadata.namespace`.
   * @default "default"
   */
  readonly defaultNamespace?: string;
  /**
   * The cluster DNS domain of Service FQDNs.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
}

/** One problem found in the manifests. */
export interface ManifestFinding {
  /** The rule that found it (a `ManifestRule` value). */
  readonly rule: string;
  /** `error` or `warning`. */
  readonly severity: string;
  /** What is wrong, naming the object as `Kind namespace/name`. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
  /**
   * The object it is about.
   * @default - not about one object (a file that is not valid YAML)
   */
  readonly object?: WiringObjectRef;
  /**
   * JSON pointer of the offending field inside the object; for a config serialized in a string
   * (a ConfigMap value), the pointer continues into the parsed config.
   */
  readonly path: string;
  /** The field as a readable path, e.g. `spec.configPatches[0].patch.value.typed_config.stat_prefix`. */
  readonly location: string;
  /**
   * The file of the object.
   * @default - the object was not read from a file
   */
  readonly file?: string;
  /**
   * The 1-based line of the field in `file`.
   * @default - unknown
   */
  readonly line?: number;
  /**
   * The path of the construct that produced the object.
   * @default - unknown
   */
  readonly constructPath?: string;
}

/** Everything one run of the manifest checks found. */
export interface ManifestReport {
  /** Whether no finding has severity `error`. */
  readonly passed: boolean;
  /** The findings, errors and warnings, in the order of the manifests. */
  readonly findings: ManifestFinding[];
  /** How many findings are errors. */
  readonly errorCount: number;
  /** How many findings are warnings. */
  readonly warningCount: number;
  /** How many objects were read. */
  readonly objectCount: number;
  /** How many objects a check understood (wiring kinds, and objects that hold Envoy config). */
  readonly checkedCount: number;
  /** How many Envoy configs were validated against Envoy's protos. */
  readonly envoyConfigCount: number;
  /** Objects of kinds no check reads, by kind; they are passed over. */
  readonly ignoredKinds: { [kind: string]: number };
  /** How many objects were passed over. */
  readonly ignoredCount: number;
  /** The references between objects that resolved (for the topology). */
  readonly links: WiringLink[];
}

/** The report plus what the topology needs of the run. @internal */
export interface ManifestRun {
  readonly report: ManifestReport;
  readonly documents: readonly LocatedDocument[];
  /** The options the run used (the topology resolves names the same way). */
  readonly options: ManifestValidationOptions;
}

/**
 * Runs the checks over parsed manifests with their locations. `problems` are the parts of the
 * files that could not be read (reported under `manifest-syntax`). Throws only for invalid
 * options (unknown rule ids or severities); never for odd manifests.
 *
 * @param where what the options belong to, for errors about them
 * @internal
 */
export function checkManifestDocuments(documents: readonly LocatedDocument[], problems: readonly SyntaxProblem[],
  options: ManifestValidationOptions = {}, where = 'ManifestValidation'): ManifestRun {
  const rules = selectRules(where, options.rules, options.severities);
  const ns = options.defaultNamespace || 'default';
  const findings: Array<ManifestFinding & { order: number }> = [];
  const add = (f: ManifestFinding, order: number) => {
    const severity = rules.get(f.rule);
    if (severity) findings.push({ ...f, severity, order });
  };

  problems.forEach((p) => add({
    rule: ManifestRule.MANIFEST_SYNTAX,
    severity: '',
    message: `${p.file ?? 'the manifests'}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''} is not valid YAML: ${p.message}`,
    fix: 'fix the YAML at that line (every document must parse for the checks to see it)',
    path: '',
    location: p.line ? `line ${p.line}${p.column ? `, column ${p.column}` : ''}` : '(file)',
    file: p.file,
    line: p.line,
  }, -1));

  // each document with the items of the Lists it holds, expanded once
  const expanded = documents.map(withListItems);

  // Envoy configs anywhere in the manifests
  let envoyConfigCount = 0;
  const holdsEnvoy = new Set<LocatedDocument>();
  expanded.forEach((docs, order) => docs.forEach((doc) => {
    const found = findEnvoyConfigs(doc.manifest);
    if (found.envoyKind && (found.configs.length > 0 || found.unreadable.length > 0)) holdsEnvoy.add(doc);
    for (const u of found.unreadable) {
      add({
        ...at(doc, ns, u.path, []),
        rule: u.rule,
        severity: '',
        message: `${describe(refOf(doc, ns))}: ${u.description} ${u.message}`,
        fix: u.fix ?? 'write the value as valid JSON or YAML',
      }, order);
    }
    for (const c of found.configs) {
      if (!anyEnvoyRule(rules)) break;
      envoyConfigCount++;
      const result = EnvoyConfigValidator.validate(c.config, c.typeName, { partial: c.partial });
      for (const e of result.errors) {
        const unchecked = nonEnvoyType(e);
        // marin3r's own protos (its go-control-plane) read the resources, not a newer Envoy
        const rule = unchecked || (c.rule !== ManifestRule.ENVOY_MARIN3R && maybeNewer(e)) ? ManifestRule.ENVOY_WARNING : c.rule;
        if (unchecked) {
          add(envoyFinding(doc, ns, c, e, rule, `${unchecked} is not a type of Envoy's API (an Istio or custom extension?), so its fields were not checked`,
            'nothing, if the Envoy that reads it was built with this extension; otherwise correct the @type'), order);
        } else if (rule === ManifestRule.ENVOY_WARNING) {
          add(envoyFinding(doc, ns, c, e, rule, e.message,
            'nothing, if the Envoy that reads it is newer than the checked protos and knows it; otherwise correct it'), order);
        } else {
          add(envoyFinding(doc, ns, c, e, rule, e.message), order);
        }
      }
      for (const w of result.warnings) {
        add(envoyFinding(doc, ns, c, w, ManifestRule.ENVOY_WARNING, w.message, 'use what replaces it (see the Envoy API reference of the field), or lower the severity of envoy-warning'), order);
      }
    }
  }));

  // wiring across every object, whoever produced it
  // each object, a List's items too, with the document it is in (lines looked up from the item)
  const byManifest = new Map<unknown, { doc: LocatedDocument; order: number }>();
  expanded.forEach((docs, order) => {
    for (const doc of docs) byManifest.set(doc.manifest, { doc, order });
  });
  const context: WiringContext = {
    ingressGateways: options.ingressGateways,
    assumeExternalObjects: options.assumeExternalObjects,
    defaultNamespace: options.defaultNamespace,
    clusterDomain: options.clusterDomain,
  };
  const wiring = analyzeWiring(documents.map((d) => d.manifest), context);
  for (const f of wiring.findings) {
    const found = byManifest.get(f.manifest);
    const segments = pointerSegments(f.path, f.manifest);
    const located = found ? at(found.doc, ns, segments, []) : { path: f.path, location: readable(segments), object: f.subject };
    const finding = { ...located, object: f.subject, rule: f.rule, severity: '', message: f.message, fix: f.fix };
    const order = found ? found.order : documents.length;
    // a finding the wiring checks rate a warning (one that rests on their own assumptions, or on what
    // Kubernetes allows anyway) stays one, unless the rule's own severity entry says otherwise
    const ownEntry = (options.severities as Record<string, unknown> | undefined)?.[f.rule] !== undefined;
    const downgraded = f.severity === WiringSeverity.WARNING && wiringSeverity(f.rule) === WiringSeverity.ERROR;
    if (downgraded && !ownEntry && rules.get(f.rule) === ManifestRuleSeverity.ERROR) {
      findings.push({ ...finding, severity: ManifestRuleSeverity.WARNING, order });
    } else {
      add(finding, order);
    }
  }

  // objects neither check reads
  const ignoredKinds: Record<string, number> = { ...wiring.ignoredKinds };
  for (const doc of holdsEnvoy) {
    const kind = doc.manifest.kind;
    if (ignoredKinds[kind] > 1) ignoredKinds[kind]--;
    else delete ignoredKinds[kind];
  }
  const ignoredCount = Object.values(ignoredKinds).reduce((a, b) => a + b, 0);

  findings.sort((a, b) => a.order - b.order || (a.line ?? 0) - (b.line ?? 0));
  const clean: ManifestFinding[] = findings.map(({ order: _order, ...f }) => f);
  const errorCount = clean.filter((f) => f.severity === ManifestRuleSeverity.ERROR).length;
  return {
    documents,
    options,
    report: {
      passed: errorCount === 0,
      findings: clean,
      errorCount,
      warningCount: clean.length - errorCount,
      // a List counts as the objects it holds
      objectCount: expanded.reduce((n, docs) => n + docs.filter((x) => !isListObject(x.manifest)).length, 0),
      checkedCount: wiring.checkedCount + holdsEnvoy.size,
      envoyConfigCount,
      ignoredKinds,
      ignoredCount,
      links: wiring.links,
    },
  };
}

function anyEnvoyRule(rules: RuleSelection): boolean {
  return ENVOY_RULES.some((r) => rules.has(r));
}

/**
 * Whether an error may only say that the checked protos (older than Envoy 1.32) are older than the
 * Envoy reading the config: an unknown field or Envoy type with no near name to suggest. A near
 * name (a typo) stays an error.
 */
function maybeNewer(e: EnvoyFinding): boolean {
  return /\(unless it is newer than the Envoy API checked here, /.test(e.message) || /; an extension Envoy added later reads as unknown$/.test(e.message);
}

/** The `@type` of an "unknown @type" error whose package is not Envoy's (nor xds, udpa, google). */
function nonEnvoyType(e: EnvoyFinding): string | undefined {
  const match = /^unknown @type "([^"]+)"/.exec(e.message);
  if (!match) return undefined;
  const name = match[1].slice(match[1].lastIndexOf('/') + 1);
  return /^(envoy|xds|udpa|google|validate)\./.test(name) ? undefined : `@type "${match[1]}"`;
}

function envoyFinding(doc: LocatedDocument, ns: string, c: EmbeddedEnvoyConfig, e: EnvoyFinding, rule: ManifestRule, message: string,
  fix?: string): ManifestFinding {
  const inner = parseEnvoyPath(e.path);
  const place = at(doc, ns, c.path, inner, c.serialized);
  return {
    ...place,
    rule,
    severity: '',
    message: `${describe(refOf(doc, ns))}: ${c.description} at ${e.path || '(root)'}: ${message}`,
    fix: fix ?? e.fix ?? `change ${e.path || 'the config'} so that Envoy's ${shortType(c.typeName)} accepts it`,
  };
}

/** Location fields of a finding at `segments` (then `inner`, inside a serialized or embedded config). */
function at(doc: LocatedDocument, ns: string, segments: readonly Segment[], inner: readonly Segment[], serialized = false):
Pick<ManifestFinding, 'path' | 'location' | 'file' | 'line' | 'constructPath' | 'object'> {
  const all = [...segments, ...inner];
  return {
    object: refOf(doc, ns),
    path: pointer(all),
    location: readable(all),
    file: doc.file,
    line: serialized ? doc.lineOf(segments, inner) : doc.lineOf(all),
    constructPath: doc.constructPath,
  };
}

/** The object a document holds; objects without a namespace are in `defaultNamespace` (as for the wiring checks). */
function refOf(doc: LocatedDocument, defaultNamespace: string): WiringObjectRef | undefined {
  const m = doc.manifest;
  if (!m || typeof m !== 'object' || typeof m.kind !== 'string') return undefined;
  return {
    kind: m.kind,
    name: typeof m.metadata?.name === 'string' ? m.metadata.name : '<unnamed>',
    namespace: manifestNamespace(m, defaultNamespace),
    apiVersion: typeof m.apiVersion === 'string' ? m.apiVersion : undefined,
  };
}

function describe(ref: WiringObjectRef | undefined): string {
  return ref ? `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}` : 'the object';
}

function shortType(typeName: string): string {
  return typeName.slice(typeName.lastIndexOf('.') + 1);
}

/** Whether a manifest is a `kind: List` (or `*List`) holding items. */
function isListObject(o: any): boolean {
  return !!o && typeof o === 'object' && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items);
}

/**
 * A document, and each item of a List it holds (recursively) as a document of its own: the item's
 * object, with lines looked up in the whole document.
 */
function withListItems(doc: LocatedDocument): LocatedDocument[] {
  const o = doc.manifest as any;
  if (!isListObject(o)) return [doc];
  return [doc, ...o.items.flatMap((item: any, i: number) => withListItems({
    ...doc,
    manifest: item,
    lineOf: (segments: readonly Segment[], inner?: readonly Segment[]) => doc.lineOf(['items', i, ...segments], inner),
  }))];
}

/**
 * An Envoy finding path (`a.b[0]["k.x"].c`, keys as written) as segments.
 * @internal
 */
export function parseEnvoyPath(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/** A JSON pointer as segments, with numbers where the manifest has lists. @internal */
export function pointerSegments(jsonPointer: string, manifest: unknown): Segment[] {
  if (!jsonPointer.startsWith('/')) return [];
  let node: any = manifest;
  return jsonPointer.slice(1).split('/').map((raw) => {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment: Segment = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : key;
    node = node?.[segment];
    return segment;
  });
}

/** Segments as a JSON pointer. @internal */
export function pointer(segments: readonly Segment[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Segments as a readable path: `spec.servers[0].hosts[1]`, `data["envoy.json"].admin`. @internal */
export function readable(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_@$][\w@$-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
