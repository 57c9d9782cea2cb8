/**
 * The schema-validation harness every test uses: synthesize, then validate every object against
 * schemas that are independent of this library (see schema-worker.mjs for what is checked).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { IConstruct } from 'constructs';

export interface SchemaFinding {
  /** Which schema reported it: kubernetes-models, crd (../shared/crds) or harness. */
  readonly source: string;
  /** JSON pointer inside the object. */
  readonly path: string;
  readonly message: string;
}

export interface ObjectReport {
  readonly index: number;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly findings: SchemaFinding[];
}

export interface SchemaReport {
  readonly objects: ObjectReport[];
  /** How many objects each schema source checked. */
  readonly counts: { models: number; crd: number };
  /** Checks that could not run, with the reason (e.g. ../shared/crds missing). */
  readonly skipped: string[];
  /** The CRD folder used, or null when it doesn't exist. */
  readonly crdsDir: string | null;
}

const WORKER = path.join(__dirname, 'schema-worker.mjs');

export interface ValidateOptions {
  /** Where the CRD YAML lives. @default ../shared/crds beside the project */
  readonly crdsDir?: string;
  /**
   * The chart that produced each manifest (same index), for the check that a Namespace comes before
   * the objects in it within one chart.
   * @default - as recorded by synthChart, synthApp and synthCharts; manifests from elsewhere count as one chart
   */
  readonly charts?: readonly string[];
}

/** The chart (node path) each manifest synthesized through this harness came from. */
const CHART_OF = new WeakMap<object, string>();

function record(chart: Chart, manifests: any[]): any[] {
  for (const m of manifests) if (m && typeof m === 'object') CHART_OF.set(m, chart.node.path);
  return manifests;
}

/** Validates manifests (plain JSON objects) in one worker process. */
export function validateManifests(manifests: readonly any[], options: ValidateOptions = {}): SchemaReport {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  if (options.crdsDir) env.MESHKIT_CRDS_DIR = options.crdsDir;
  const charts = options.charts ?? manifests.map((m) => (m && typeof m === 'object' ? CHART_OF.get(m) : undefined) ?? '');
  const result = spawnSync(process.execPath, [WORKER], {
    input: JSON.stringify({ manifests, charts }),
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    // the schema packages are ES modules; make sure no CommonJS-only flags leak in from jest
    env,
  });
  if (result.status !== 0) {
    throw new Error(`schema worker failed (exit ${result.status}): ${result.stderr || result.error}`);
  }
  return JSON.parse(result.stdout);
}

/** One line per finding: `Kind namespace/name /path: message [source]`. */
export function formatFindings(report: SchemaReport): string[] {
  return report.objects.flatMap((o) => o.findings.map((f) =>
    `${o.kind ?? '?'} ${o.namespace ? `${o.namespace}/` : ''}${o.name ?? `#${o.index}`} ${f.path || '/'}: ${f.message} [${f.source}]`));
}

/**
 * Validates manifests and fails (listing every finding) unless all of them pass, and when a check
 * could not run (a CRD schema without ../shared/crds).
 */
export function expectSchemaValid(manifests: readonly any[]): SchemaReport {
  const report = validateManifests(manifests);
  const lines = formatFindings(report);
  if (lines.length > 0) {
    throw new Error(`${lines.length} schema finding(s) in ${manifests.length} object(s):\n  ${lines.join('\n  ')}`);
  }
  // a CRD check that could not run (../shared/crds missing) fails the test: an unchecked object
  // must not pass as checked
  if (report.skipped.length > 0) {
    throw new Error(`schema checks skipped:\n  ${report.skipped.join('\n  ')}`);
  }
  return report;
}

/**
 * Runs every construct's validations under `root`, as `cdk8s synth` does, and throws with the
 * same message format when any fails.
 */
export function runValidations(root: IConstruct): void {
  const errors = root.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
}

/** Synthesizes one chart (running the app's validations first) and returns its objects. */
export function synthChart(chart: Chart): any[] {
  runValidations(chart.node.root);
  return record(chart, Testing.synth(chart));
}

/** Synthesizes every chart of an app, in order, running the app's validations once first. */
export function synthApp(app: App): any[] {
  return synthCharts(app).flatMap((c) => c.objects);
}

/** Synthesizes every chart of an app, in order, running the app's validations once first; one entry per chart. */
export function synthCharts(app: App): { id: string; objects: any[] }[] {
  runValidations(app);
  return app.charts.map((chart) => ({ id: chart.node.id, objects: record(chart, Testing.synth(chart)) }));
}

/** Finds exactly one object of a kind (and name, when given); fails otherwise. */
export function findOne(manifests: readonly any[], kind: string, name?: string): any {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata?.name === name));
  if (found.length !== 1) {
    const have = manifests.map((m) => `${m.kind}/${m.metadata?.name}`).join(', ');
    throw new Error(`expected exactly one ${kind}${name ? ` named ${name}` : ''}, found ${found.length} (objects: ${have})`);
  }
  return found[0];
}

/** The one AuthorizationPolicy with action CUSTOM (the ingress gateway's ext_authz policy). */
export function customPolicy(manifests: readonly any[]): any {
  const found = manifests.filter((m) => m.kind === 'AuthorizationPolicy' && m.spec?.action === 'CUSTOM');
  if (found.length !== 1) throw new Error(`expected exactly one AuthorizationPolicy with action CUSTOM, found ${found.length}`);
  return found[0];
}
