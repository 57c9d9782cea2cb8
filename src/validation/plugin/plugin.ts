/**
 * The cdk8s-cli validation plugin: a thin adapter from cdk8s's plugin contract (a class constructed
 * with the `properties` of its cdk8s.yaml entry, whose `validate(context)` reads
 * `context.manifests` and fills `context.report`) to the manifest checks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ownValue } from '../../common/objects';
import { renderTopology, TOPOLOGY_FORMATS } from '../../topology/render';
import { buildTopology } from '../../topology/topology';
import { checkManifestDocuments, ManifestFinding, ManifestValidationOptions } from '../manifests/checks';
import { constructPathsFromMetadata, readManifestFiles } from '../manifests/documents';
import { closest, describeValue, optionError } from '../manifests/rules';

const WHERE = 'cdk8s-meshkit validation plugin (cdk8s.yaml validations[].properties)';

/** The `properties` of the plugin's entry in cdk8s.yaml. */
export interface MeshkitValidationProps extends ManifestValidationOptions {
  /**
   * Topology pictures to write next to the manifests: `mermaid` (`topology.mmd`) and/or `dot`
   * (`topology.dot`, for Graphviz).
   * @default - no topology files
   */
  readonly topology?: string[];
  /**
   * The directory the topology files go to.
   * @default - the directory of the synthesized manifests (with `cdk8s synth --stdout` there is none, and no file is written)
   */
  readonly topologyDirectory?: string;
}

const PROPERTIES: Readonly<Record<string, (value: unknown) => string | undefined>> = {
  rules: () => undefined, // checked with the rule ids
  severities: () => undefined,
  ingressGateways: (v) => Array.isArray(v) && v.every((i) => isMap(i) && typeof i.namespace === 'string' && isMap(i.labels)
    && Object.values(i.labels).every((l) => typeof l === 'string')) ? undefined : 'a list of { namespace: <string>, labels: { <label>: <value> } }',
  assumeExternalObjects: (v) => typeof v === 'boolean' ? undefined : 'true or false',
  defaultNamespace: (v) => typeof v === 'string' && v !== '' ? undefined : 'a namespace name',
  clusterDomain: (v) => typeof v === 'string' && v !== '' ? undefined : 'a DNS domain such as cluster.local',
  topology: (v) => Array.isArray(v) && v.every((f) => TOPOLOGY_FORMATS.includes(f)) ? undefined : `a list of formats (${TOPOLOGY_FORMATS.join(', ')})`,
  topologyDirectory: (v) => typeof v === 'string' && v !== '' ? undefined : 'a directory path',
};

/** What cdk8s-cli's ValidationContext offers that the plugin uses (the CLI is not a dependency). */
interface CliValidationContext {
  readonly manifests: readonly string[];
  readonly metadata?: { readonly [name: string]: { readonly path?: string } };
  readonly stdout?: boolean;
  readonly report: {
    addViolation(violation: {
      ruleName: string;
      recommendation: string;
      fix: string;
      violatingResources: Array<{ resourceName: string; locations: string[]; manifestPath: string }>;
    }): void;
    submit(status: 'success' | 'failure', metadata?: { [key: string]: string }): void;
  };
  readonly logger?: { log(message: string): void };
}

/**
 * The cdk8s-cli validation plugin of cdk8s-meshkit. In cdk8s.yaml:
 *
 * ```yaml
 * validations:
 *   - package: cdk8s-meshkit
 *     version: 1.2.3            # an exact version: cdk8s-cli installs it into ~/.cdk8s/plugins
 *     class: MeshkitValidation
 *     properties:               # all optional
 *       rules: [all]
 *       severities: { envoy-warning: warning, host-mismatch: warning }
 *       topology: [mermaid, dot]
 * ```
 *
 * `cdk8s synth` then checks every synthesized manifest (whoever produced it): Envoy configs in
 * ConfigMaps, marin3r EnvoyConfigs and Istio EnvoyFilters against Envoy's protos, and the wiring
 * of Gateways, VirtualServices, Certificates, Services and selectors. Findings appear in cdk8s's
 * validation report with rule id, message, fix, manifest, the field's path (`spec.x[0]`), line and construct path; an
 * `error` finding fails the synth. Unknown properties, rule ids or severities fail at once with
 * a message naming the entry.
 */
export class MeshkitValidation {
  private readonly props: MeshkitValidationProps;

  constructor(props: MeshkitValidationProps = {}) {
    this.props = checkProperties(props ?? {});
    // surface unknown rules and severities when cdk8s loads the plugin, before synth output scrolls by
    checkManifestDocuments([], [], this.props, WHERE);
  }

  /** Runs the checks over `context.manifests` and fills `context.report` (cdk8s-cli's ValidationContext). */
  public async validate(context: any): Promise<void> {
    const ctx = context as CliValidationContext;
    const files = [...(ctx.manifests ?? [])];
    const read = readManifestFiles(files, constructPathsFromMetadata(ctx.metadata));
    const run = checkManifestDocuments(read.documents, read.problems, this.props, WHERE);
    const report = run.report;
    for (const f of report.findings) ctx.report.addViolation(toViolation(f));

    const summary: { [key: string]: string } = {
      'Objects': `${report.objectCount} (${report.checkedCount} checked)`,
      'Envoy configs': String(report.envoyConfigCount),
      'Errors': String(report.errorCount),
      'Warnings': String(report.warningCount),
    };
    const ignored = Object.entries(report.ignoredKinds).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ×${n}`).join(', ');
    if (ignored) summary['Passed over'] = ignored;

    const formats = this.props.topology ?? [];
    if (formats.length > 0) {
      const dir = this.props.topologyDirectory ?? (ctx.stdout || files.length === 0 ? undefined : outputDirectory(files));
      if (dir) {
        const topology = buildTopology(run);
        const rendered = formats.map((format) => ({ file: path.join(dir, `topology.${format === 'mermaid' ? 'mmd' : 'dot'}`), text: renderTopology(topology, format) }));
        const written: string[] = [];
        try {
          fs.mkdirSync(dir, { recursive: true });
          for (const r of rendered) {
            fs.writeFileSync(r.file, r.text);
            written.push(r.file);
          }
          summary.Topology = written.join(', ');
        } catch (e) {
          // a picture that can't be written doesn't fail the checks
          summary.Topology = `${written.length > 0 ? `${written.join(', ')}; the rest ` : ''}not written: ${(e as Error).message}`;
          ctx.logger?.log(`cdk8s-meshkit: topology not written (${(e as Error).message})`);
        }
      } else {
        ctx.logger?.log('cdk8s-meshkit: no topology written (synth --stdout has no output directory; set properties.topologyDirectory)');
      }
    }
    ctx.report.submit(report.passed ? 'success' : 'failure', summary);
  }
}

/** One finding as a cdk8s violation: the resource is the object's name, which cdk8s maps to its construct path. */
function toViolation(f: ManifestFinding) {
  // a syntax finding's location is its line already
  const place = f.line && !(f.location ?? '').startsWith('line ') ? `${f.location || '(document)'} (line ${f.line})` : f.location || '(document)';
  return {
    ruleName: f.rule,
    recommendation: f.severity === 'warning' ? `warning: ${f.message}` : f.message,
    fix: f.fix,
    violatingResources: [{
      resourceName: f.object?.name ?? (f.file ? path.basename(f.file) : '(manifests)'),
      locations: [place],
      manifestPath: f.file ?? '(in memory)',
    }],
  };
}

function checkProperties(props: MeshkitValidationProps): MeshkitValidationProps {
  if (!isMap(props)) {
    throw optionError(WHERE, 'properties', `expected a map, received ${describeValue(props)}`, 'write the properties as a YAML map, or leave them out');
  }
  for (const [key, value] of Object.entries(props)) {
    const check = ownValue(PROPERTIES, key);
    if (!check) {
      const near = closest(key, Object.keys(PROPERTIES));
      throw optionError(WHERE, key, 'unknown property', `${near ? `did you mean "${near}"? ` : ''}the properties are ${Object.keys(PROPERTIES).join(', ')}`);
    }
    if (value === undefined) continue;
    const expected = check(value);
    if (expected) throw optionError(WHERE, key, `received ${describeValue(value)}`, `expected ${expected}`);
  }
  return props;
}

function isMap(x: unknown): x is Record<string, any> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/**
 * Where the topology goes: beside the manifests, or beside a Helm chart's templates/ (`synth
 * --format helm`), where Helm would try to render the topology files as manifests.
 */
function outputDirectory(manifests: readonly string[]): string {
  // the directory every manifest is in (cdk8s writes a folder per chart with some output types)
  const dirs = manifests.map((m) => path.resolve(path.dirname(m)).split(path.sep));
  const common: string[] = [];
  for (let i = 0; dirs.every((d) => i < d.length && d[i] === dirs[0][i]); i++) common.push(dirs[0][i]);
  const first = path.resolve(path.dirname(manifests[0]));
  // nothing shared but the root (or a drive): beside the first manifest
  const shared = common.length > 1 ? common.join(path.sep) : first;
  // a Helm chart's templates/ (possibly with a folder per chart in it): beside it, where Helm won't read it
  const parts = shared.split(path.sep);
  const templates = parts.lastIndexOf('templates');
  return templates > 0 ? parts.slice(0, templates).join(path.sep) || path.sep : shared;
}
