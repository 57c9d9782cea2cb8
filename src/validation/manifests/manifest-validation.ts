import { ApiObject, App } from 'cdk8s';
import { checkManifestDocuments, ManifestReport, ManifestValidationOptions } from './checks';
import { inMemoryDocuments, LocatedDocument, listManifestFiles, ManifestDocument, readManifestFiles, ReadResult } from './documents';

/**
 * The manifest checks for apps synthesized without the cdk8s CLI (and for any YAML): every Envoy
 * config found in ConfigMaps, marin3r EnvoyConfigs and Istio EnvoyFilters validated against
 * Envoy's protos, and the wiring checks across all objects, whoever produced them. The same
 * implementation as the cdk8s validation plugin `MeshkitValidation`.
 *
 * The checks never throw for odd manifests: objects of kinds they don't read are counted in
 * `ignoredKinds`, text that isn't YAML is a `manifest-syntax` finding with file and line. They
 * throw only for invalid options (an unknown rule id or severity).
 */
export class ManifestValidation {
  /**
   * Checks every object the charts of `app` synthesize, in memory (no files are written), each
   * with the path of the construct that produced it. Synthesizing a chart runs cdk8s's validations
   * of the whole app first (every construct's `addValidation`), so a construct that fails them
   * throws cdk8s's "Validation failed" error here rather than giving a report.
   */
  public static validateApp(app: App, options: ManifestValidationOptions = {}): ManifestReport {
    return checkManifestDocuments(inMemoryDocuments(appDocuments(app)), [], options).report;
  }

  /**
   * Checks the manifest files below `directory` (`.yaml`, `.yml`, `.json`, recursively), e.g.
   * `cdk8s.out/` or `helm template` output. Construct paths come from the
   * `construct-metadata.json` cdk8s writes there when `CDK8S_RECORD_CONSTRUCT_METADATA=true`.
   */
  public static validateDirectory(directory: string, options: ManifestValidationOptions = {}): ManifestReport {
    return ManifestValidation.validateFiles(listManifestFiles(directory), options);
  }

  /** Checks manifest files (YAML or JSON, one or more documents each). */
  public static validateFiles(files: string[], options: ManifestValidationOptions = {}): ManifestReport {
    return run(readManifestFiles(files), options);
  }

  /** Checks objects given as plain JSON (no files, so findings have no lines). */
  public static validateManifests(manifests: any[], options: ManifestValidationOptions = {}): ManifestReport {
    return ManifestValidation.validateDocuments((manifests ?? []).map((manifest) => ({ manifest })), options);
  }

  /** Checks objects with the file, line and construct path you know of each. */
  public static validateDocuments(documents: ManifestDocument[], options: ManifestValidationOptions = {}): ManifestReport {
    return checkManifestDocuments(inMemoryDocuments(documents ?? []), [], options).report;
  }

  /**
   * The report as text: a summary line, then each finding with its place (file:line, JSON path,
   * construct path) and its fix.
   */
  public static format(report: ManifestReport): string {
    const ignored = Object.entries(report.ignoredKinds).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ×${n}`).join(', ');
    const lines = [
      `${report.passed ? 'passed' : 'failed'}: ${plural(report.errorCount, 'error')}, ${plural(report.warningCount, 'warning')} in ${plural(report.objectCount, 'object')} `
      + `(${report.checkedCount} checked, ${plural(report.envoyConfigCount, 'Envoy config')} validated${ignored ? `; passed over: ${ignored}` : ''})`,
    ];
    for (const f of report.findings) {
      const where = [f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : undefined, f.location || undefined, f.constructPath ? `construct ${f.constructPath}` : undefined]
        .filter((x) => x !== undefined).join(', ');
      lines.push(`  ${f.severity} ${f.rule}: ${f.message}`);
      if (where) lines.push(`    at ${where}`);
      lines.push(`    fix: ${f.fix}`);
    }
    return lines.join('\n');
  }

  /** Throws an Error with `format(report)` when the report has errors. */
  public static assertPassed(report: ManifestReport): void {
    if (!report.passed) throw new Error(`cdk8s-meshkit manifest checks ${ManifestValidation.format(report)}`);
  }

  private constructor() {}
}

/** Runs the checks over what was read. @internal */
function run(read: ReadResult, options: ManifestValidationOptions): ManifestReport {
  return checkManifestDocuments(read.documents, read.problems, options).report;
}

/**
 * The objects of every chart of an app, as `cdk8s synth` writes them, each with its construct path.
 * @internal
 */
export function appDocuments(app: App): ManifestDocument[] {
  return app.charts.flatMap((chart) => {
    const paths = new Map<string, string>();
    for (const c of chart.node.findAll()) {
      if (c instanceof ApiObject) paths.set(objectKey(c.apiVersion, c.kind, c.metadata.namespace, c.name), c.node.path);
    }
    return chart.toJson().map((manifest: any) => ({
      manifest,
      constructPath: paths.get(objectKey(manifest?.apiVersion, manifest?.kind, manifest?.metadata?.namespace, manifest?.metadata?.name)),
    }));
  });
}

/** App documents located (no lines: they were never written to a file). @internal */
export function locatedAppDocuments(app: App): LocatedDocument[] {
  return inMemoryDocuments(appDocuments(app));
}

function objectKey(apiVersion: unknown, kind: unknown, namespace: unknown, name: unknown): string {
  return JSON.stringify([apiVersion, kind, namespace ?? null, name]);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
