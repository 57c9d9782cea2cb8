import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { re2Problem } from './re2';
import { atLeast, Http2Fix, Version } from './versions';
import { resourceQuantities } from '../common/resources';
import { propError, show } from '../validation/errors';
import { checkDnsLabel } from '../validation/names';

/** What a Kubernetes service-discovery block discovers (`kubernetes_sd_configs[].role`). */
export enum KubernetesSdRole {
  /** Every declared container port of every pod (and each pod without ports once). */
  POD = 'pod',
  /** Every port of every Service. */
  SERVICE = 'service',
  /** Every address behind every Service, from Endpoints objects. */
  ENDPOINTS = 'endpoints',
  /** Every address behind every Service, from EndpointSlices (Prometheus 2.21 and later). */
  ENDPOINT_SLICE = 'endpointslice',
  /** Every node's kubelet. */
  NODE = 'node',
  /** Every host of every Ingress. */
  INGRESS = 'ingress',
}

/** Options for `ScrapeTargets.kubernetes`. */
export interface KubernetesTargetsOptions {
  /**
   * Only discover objects in these namespaces.
   * @default - every namespace
   */
  readonly namespaces?: string[];
}

/** Where a scrape job finds its targets. */
export abstract class ScrapeTargets {
  /** Targets found through the Kubernetes API (`kubernetes_sd_configs`). */
  public static kubernetes(role: KubernetesSdRole, options: KubernetesTargetsOptions = {}): ScrapeTargets {
    return new KubernetesTargets(role, options.namespaces ?? []);
  }

  /** A fixed list of `host:port` addresses (`static_configs`). */
  public static fromAddresses(addresses: string[]): ScrapeTargets {
    return new StaticTargets([...addresses]);
  }

  /** The Kubernetes role discovered, if any. @internal */
  public abstract readonly _role?: KubernetesSdRole;

  /** Checks the targets and returns the `*_configs` entry of the job. @internal */
  public abstract _render(scope: IConstruct, prop: string, version: Version): Record<string, unknown>;
}

class KubernetesTargets extends ScrapeTargets {
  constructor(public readonly _role: KubernetesSdRole, private readonly namespaces: string[]) { super(); }

  public _render(scope: IConstruct, prop: string, version: Version): Record<string, unknown> {
    if (!Object.values(KubernetesSdRole).includes(this._role)) {
      throw propError(scope, `${prop}.role`, `${show(this._role)} is not a Kubernetes service-discovery role`, `use one of ${Object.values(KubernetesSdRole).join(', ')}`);
    }
    if (this._role === KubernetesSdRole.ENDPOINT_SLICE && !atLeast(version, 2, 21)) {
      throw propError(scope, `${prop}.role`, `"endpointslice" discovery needs Prometheus 2.21 or later (this is ${version.text})`, 'use KubernetesSdRole.ENDPOINTS');
    }
    this.namespaces.forEach((ns, i) => checkDnsLabel(scope, `${prop}.namespaces[${i}]`, ns));
    const sd: Record<string, unknown> = { role: this._role };
    if (this.namespaces.length > 0) sd.namespaces = { names: [...this.namespaces] };
    return { kubernetes_sd_configs: [sd] };
  }
}

class StaticTargets extends ScrapeTargets {
  public readonly _role = undefined;
  constructor(private readonly addresses: string[]) { super(); }

  public _render(scope: IConstruct, prop: string): Record<string, unknown> {
    if (this.addresses.length === 0) throw propError(scope, prop, 'no addresses', 'give at least one "host:port" address');
    this.addresses.forEach((a, i) => {
      if (typeof a !== 'string' || !/^[^\s/:]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(a)) {
        throw propError(scope, `${prop}[${i}]`, `${show(a)} is not a scrape address`, 'give "host:port" without a scheme or path (set the path with metricsPath)');
      }
    });
    return { static_configs: [{ targets: [...this.addresses] }] };
  }
}

/** What a relabelling rule does (`relabel_configs[].action`). */
export enum RelabelAction {
  /** Sets `targetLabel` to `replacement` (with regex groups) when `regex` matches the source labels. */
  REPLACE = 'replace',
  /** Keeps the target only when `regex` matches the source labels. */
  KEEP = 'keep',
  /** Drops the target when `regex` matches the source labels. */
  DROP = 'drop',
  /** Sets `targetLabel` to a hash of the source labels modulo `modulus`. */
  HASH_MOD = 'hashmod',
  /** Copies every label whose name matches `regex` to the name `replacement`. */
  LABEL_MAP = 'labelmap',
  /** Removes every label whose name matches `regex`. */
  LABEL_DROP = 'labeldrop',
  /** Removes every label whose name doesn't match `regex`. */
  LABEL_KEEP = 'labelkeep',
  /** Sets `targetLabel` to the lower-cased source labels (Prometheus 2.36 and later). */
  LOWERCASE = 'lowercase',
  /** Sets `targetLabel` to the upper-cased source labels (Prometheus 2.36 and later). */
  UPPERCASE = 'uppercase',
  /** Keeps the target only when the source labels equal `targetLabel` (Prometheus 2.41 and later). */
  KEEP_EQUAL = 'keepequal',
  /** Drops the target when the source labels equal `targetLabel` (Prometheus 2.41 and later). */
  DROP_EQUAL = 'dropequal',
}

/** One relabelling rule (`relabel_configs` / `metric_relabel_configs` entry). */
export interface RelabelRule {
  /**
   * What the rule does.
   * @default RelabelAction.REPLACE
   */
  readonly action?: RelabelAction;
  /**
   * Labels whose values are joined with `separator` and matched against `regex`.
   * @default - none (the joined value is the empty string)
   */
  readonly sourceLabels?: string[];
  /**
   * Joins the source label values.
   * @default ";"
   */
  readonly separator?: string;
  /**
   * An RE2 regular expression, anchored at both ends by Prometheus. Checked when the rule is
   * added: lookarounds, backreferences and other syntax RE2 doesn't have are rejected.
   * @default "(.*)"
   */
  readonly regex?: string;
  /**
   * The label the rule writes (required by REPLACE, HASH_MOD, LOWERCASE, UPPERCASE, KEEP_EQUAL and DROP_EQUAL).
   * @default - none
   */
  readonly targetLabel?: string;
  /**
   * The value written, with `$1`-style references to regex groups.
   * @default "$1"
   */
  readonly replacement?: string;
  /**
   * The modulus of HASH_MOD (required there).
   * @default - none
   */
  readonly modulus?: number;
}

/** A scrape protocol of Prometheus 3 (`fallback_scrape_protocol`, `scrape_protocols`). */
export enum ScrapeProtocol {
  /** `PrometheusText0.0.4`: the classic text format (`text/plain; version=0.0.4`). */
  PROMETHEUS_TEXT_0_0_4 = 'PrometheusText0.0.4',
  /** `PrometheusText1.0.0`: the text format with UTF-8 names. */
  PROMETHEUS_TEXT_1_0_0 = 'PrometheusText1.0.0',
  /** `OpenMetricsText0.0.1`. */
  OPEN_METRICS_TEXT_0_0_1 = 'OpenMetricsText0.0.1',
  /** `OpenMetricsText1.0.0`. */
  OPEN_METRICS_TEXT_1_0_0 = 'OpenMetricsText1.0.0',
  /** `PrometheusProto`: the protobuf format. */
  PROMETHEUS_PROTO = 'PrometheusProto',
}

/** Options for `IstioPrometheusScrape.addScrapeJob`. */
export interface ScrapeJobOptions {
  /** The job name (`job_name`, also the `job` label of every series); unique per Prometheus. */
  readonly name: string;
  /** Where the job finds its targets. */
  readonly targets: ScrapeTargets;
  /**
   * The HTTP path scraped (a target's `__metrics_path__` label, e.g. from relabelling, wins).
   * @default "/metrics"
   */
  readonly metricsPath?: string;
  /**
   * Scrape over Istio mutual TLS with the certificates the Prometheus pod's sidecar writes, with
   * the HTTP/2 setting the chosen Prometheus version needs. Only in `IstioScrapeMode.MUTUAL_TLS`.
   * @default false - plain HTTP
   */
  readonly istioMutualTls?: boolean;
  /**
   * How often targets are scraped.
   * @default - the server's `scrapeInterval`
   */
  readonly scrapeInterval?: Duration;
  /**
   * How long a scrape may take; at most the job's scrape interval.
   * @default - the server's `scrapeTimeout`, or this job's interval when that is shorter (Prometheus cuts it)
   */
  readonly scrapeTimeout?: Duration;
  /**
   * On a clash between a label of the scraped data and one the server attaches (`job`,
   * `instance`, and every label the relabelling writes, such as `namespace` or `pod`), keep the
   * scraped one (`honor_labels`) instead of renaming it to `exported_<name>`.
   * @default false
   */
  readonly honorLabels?: boolean;
  /**
   * Target relabelling, applied in order before scraping.
   * @default - none
   */
  readonly relabelings?: RelabelRule[];
  /**
   * How to parse a response whose Content-Type is missing or not a metrics format
   * (`fallback_scrape_protocol`; Prometheus 3 and later, which fail such a scrape otherwise,
   * where 2.x read it as the text format).
   * @default - none: such scrapes fail (the built-in jobs that follow pod annotations use PROMETHEUS_TEXT_0_0_4 on Prometheus 3)
   */
  readonly fallbackScrapeProtocol?: ScrapeProtocol;
  /**
   * Series relabelling, applied in order to every scraped sample.
   * @default - none
   */
  readonly metricRelabelings?: RelabelRule[];
}

/** Where the cert-only sidecar's files are mounted in the Prometheus container. @internal */
export const PROM_CERTS_DIR = '/etc/prom-certs';

/** Where the cert-only sidecar's agent writes the certificates (OUTPUT_CERTS), in its own container. @internal */
export const ISTIO_OUTPUT_CERTS = '/etc/istio-output-certs';
/** The in-memory volume the agent writes the certificates to and Prometheus reads them from. @internal */
export const ISTIO_CERTS_VOLUME = 'istio-certs';

/**
 * The pod annotations of a Prometheus that scrapes over Istio mTLS with a cert-only sidecar: it
 * intercepts no traffic, writes its certificates to the shared volume, and Prometheus starts once
 * it is ready. Prometheus reads the certificate files when it builds a scrape pool and doesn't
 * retry a pool that failed for missing files (istio/istio#10544), so it must start after them.
 * @internal
 */
export function certOnlySidecarAnnotations(proxyResources?: kplus.ContainerResources): Record<string, string> {
  const proxy = proxyResources && resourceQuantities(proxyResources);
  return {
    'traffic.sidecar.istio.io/includeInboundPorts': '',
    'traffic.sidecar.istio.io/includeOutboundIPRanges': '',
    'proxy.istio.io/config': JSON.stringify({ holdApplicationUntilProxyStarts: true, proxyMetadata: { OUTPUT_CERTS: ISTIO_OUTPUT_CERTS } }),
    'sidecar.istio.io/userVolumeMount': JSON.stringify([{ name: ISTIO_CERTS_VOLUME, mountPath: ISTIO_OUTPUT_CERTS }]),
    // the injector's per-pod resource annotations, when asked for: otherwise the istio-proxy
    // container takes the mesh's global.proxy.resources, as tuned by the mesh's operators
    ...(proxy ? {
      'sidecar.istio.io/proxyCPU': proxy.cpuRequest!,
      'sidecar.istio.io/proxyCPULimit': proxy.cpuLimit!,
      'sidecar.istio.io/proxyMemory': proxy.memoryRequest!,
      'sidecar.istio.io/proxyMemoryLimit': proxy.memoryLimit!,
    } : {}),
  };
}

/** A scrape job of an `IstioPrometheusScrape`, as `addScrapeJob` created it. */
export class ScrapeJob {
  /** Checks `options` against the server's version and mode, and builds the job. @internal */
  public static _create(scope: IConstruct, prop: string, options: ScrapeJobOptions, context: ScrapeJobContext): ScrapeJob {
    return new ScrapeJob(scope, prop, options, context);
  }

  /** The job name. */
  public readonly name: string;
  /** Whether the job scrapes over Istio mutual TLS. */
  public readonly istioMutualTls: boolean;
  /** The Kubernetes role the job discovers, if it uses Kubernetes service discovery. */
  public readonly role?: KubernetesSdRole;
  private readonly config: Record<string, unknown>;

  private constructor(scope: IConstruct, prop: string, options: ScrapeJobOptions, context: ScrapeJobContext) {
    if (typeof options.name !== 'string' || options.name.trim() === '') {
      throw propError(scope, `${prop}.name`, `received ${show(options.name)}`, 'give the job a non-empty name');
    }
    if (!(options.targets instanceof ScrapeTargets)) {
      throw propError(scope, `${prop}.targets`, `received ${show(options.targets)}`, 'use ScrapeTargets.kubernetes(...) or ScrapeTargets.fromAddresses(...)');
    }
    this.name = options.name;
    this.istioMutualTls = options.istioMutualTls ?? false;
    this.role = options.targets._role;

    const job: Record<string, unknown> = { job_name: options.name };
    if (options.honorLabels) job.honor_labels = true;
    if (options.scrapeInterval !== undefined) checkDuration(scope, `${prop}.scrapeInterval`, options.scrapeInterval);
    // Only a timeout given here is checked: one inherited from the server is cut to the job's
    // interval by Prometheus itself, so a 5s job under the default 10s timeout is valid.
    if (options.scrapeTimeout !== undefined) {
      const timeout = checkDuration(scope, `${prop}.scrapeTimeout`, options.scrapeTimeout);
      const interval = options.scrapeInterval ?? context.scrapeInterval;
      if (timeout.toMilliseconds() > interval.toMilliseconds()) {
        throw propError(scope, `${prop}.scrapeTimeout`, `${promDuration(timeout)} is longer than the scrape interval ${promDuration(interval)}`,
          'give a timeout no longer than the interval (Prometheus refuses the configuration otherwise)');
      }
    }
    if (options.scrapeInterval) job.scrape_interval = promDuration(options.scrapeInterval);
    if (options.scrapeTimeout) job.scrape_timeout = promDuration(options.scrapeTimeout);
    if (options.metricsPath !== undefined) {
      job.metrics_path = checkHttpPath(scope, `${prop}.metricsPath`, options.metricsPath,
        'give the path alone, and query parameters as `__param_<name>` labels set by a relabeling');
    }
    const fallback = options.fallbackScrapeProtocol;
    if (fallback !== undefined) {
      if (!Object.values(ScrapeProtocol).includes(fallback)) {
        throw propError(scope, `${prop}.fallbackScrapeProtocol`, `received ${show(fallback)}`, `use a ScrapeProtocol (${Object.values(ScrapeProtocol).join(', ')})`);
      }
      if (context.version.major < 3) {
        throw propError(scope, `${prop}.fallbackScrapeProtocol`, `${show(fallback)} given for Prometheus ${context.version.text}, which has no fallback_scrape_protocol (2.x reads a response without a known Content-Type as text already) and would refuse the configuration`,
          'drop fallbackScrapeProtocol, or use Prometheus 3');
      }
      job.fallback_scrape_protocol = fallback;
    }
    if (this.istioMutualTls) {
      if (!context.istioCertificates) {
        throw propError(scope, `${prop}.istioMutualTls`, 'Istio mutual TLS was asked for, but this Prometheus runs in METRICS_MERGING mode, which has no sidecar and so no Istio certificates',
          'use IstioScrapeMode.MUTUAL_TLS, or scrape this job over plain HTTP (metrics merging serves plain text on :15020)');
      }
      job.scheme = 'https';
      if (context.http2 === Http2Fix.SCRAPE_CONFIG) job.enable_http2 = true;
      job.tls_config = {
        ca_file: `${PROM_CERTS_DIR}/root-cert.pem`,
        cert_file: `${PROM_CERTS_DIR}/cert-chain.pem`,
        key_file: `${PROM_CERTS_DIR}/key.pem`,
        // Istio's certificates carry SPIFFE identities, not the pod IPs Prometheus dials.
        insecure_skip_verify: true,
      };
    }
    Object.assign(job, options.targets._render(scope, `${prop}.targets`, context.version));
    const relabel = renderRules(scope, `${prop}.relabelings`, options.relabelings ?? [], context.version);
    if (relabel.length > 0) job.relabel_configs = relabel;
    const metricRelabel = renderRules(scope, `${prop}.metricRelabelings`, options.metricRelabelings ?? [], context.version);
    if (metricRelabel.length > 0) job.metric_relabel_configs = metricRelabel;
    this.config = job;
  }

  /** The job as a `scrape_configs` entry. @internal */
  public _toPrometheus(): Record<string, unknown> {
    return JSON.parse(JSON.stringify(this.config));
  }
}

/** What a job needs to know about the server it belongs to. @internal */
export interface ScrapeJobContext {
  readonly version: Version;
  readonly http2: Http2Fix;
  /** Whether the pod has the cert-only sidecar's certificates. */
  readonly istioCertificates: boolean;
  readonly scrapeInterval: Duration;
  readonly scrapeTimeout: Duration;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A lone UTF-16 surrogate: a string holding one is no valid UTF-8 once encoded. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether Prometheus takes `name` as a label name: any non-empty UTF-8 text from 3.0 (its default
 * name validation scheme), letters, digits and "_" not starting with a digit before.
 */
function isLabelName(name: string, version: Version): boolean {
  return version.major >= 3 ? name !== '' && !LONE_SURROGATE.test(name) : LABEL_NAME.test(name);
}

function labelNameFix(version: Version): string {
  return version.major >= 3 ? 'give a non-empty name' : 'use letters, digits and "_", not starting with a digit (Prometheus 3 takes any UTF-8 name)';
}
// Prometheus's own pattern for a replace target: label characters and $1 / ${name} references.
const REPLACE_TARGET = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;
const NEEDS_TARGET = new Set([
  RelabelAction.REPLACE, RelabelAction.HASH_MOD, RelabelAction.LOWERCASE, RelabelAction.UPPERCASE, RelabelAction.KEEP_EQUAL, RelabelAction.DROP_EQUAL,
]);
const SINCE: Partial<Record<RelabelAction, [number, number]>> = {
  [RelabelAction.LOWERCASE]: [2, 36],
  [RelabelAction.UPPERCASE]: [2, 36],
  [RelabelAction.KEEP_EQUAL]: [2, 41],
  [RelabelAction.DROP_EQUAL]: [2, 41],
};

/** Checks relabelling rules the way Prometheus would, and renders them. @internal */
export function renderRules(scope: IConstruct, prop: string, rules: RelabelRule[], version: Version): Record<string, unknown>[] {
  return rules.map((rule, i) => renderRule(scope, `${prop}[${i}]`, rule, version));
}

function renderRule(scope: IConstruct, prop: string, rule: RelabelRule, version: Version): Record<string, unknown> {
  const action = rule.action ?? RelabelAction.REPLACE;
  if (!Object.values(RelabelAction).includes(action)) {
    throw propError(scope, `${prop}.action`, `${show(action)} is not a relabel action`, `use one of ${Object.values(RelabelAction).join(', ')}`);
  }
  const since = SINCE[action];
  if (since && !atLeast(version, since[0], since[1])) {
    throw propError(scope, `${prop}.action`, `"${action}" needs Prometheus ${since.join('.')} or later (this is ${version.text})`, 'choose a newer prometheusVersion or another action');
  }
  if (rule.regex !== undefined) {
    const problem = typeof rule.regex === 'string' ? re2Problem(rule.regex, version.major >= 3) : 'not a string';
    if (problem) {
      throw propError(scope, `${prop}.regex`, `${show(rule.regex)} does not compile as Prometheus's anchored RE2 expression: ${problem}`,
        'rewrite it in RE2 syntax (no lookarounds or backreferences; Prometheus adds ^ and $ itself)');
    }
  }
  (rule.sourceLabels ?? []).forEach((l, j) => {
    if (typeof l !== 'string' || !isLabelName(l, version)) throw propError(scope, `${prop}.sourceLabels[${j}]`, `${show(l)} is not a label name`, labelNameFix(version));
  });
  if (NEEDS_TARGET.has(action) && rule.targetLabel === undefined) {
    throw propError(scope, `${prop}.targetLabel`, `a "${action}" rule has no targetLabel`, 'name the label the rule writes');
  }
  // a replace target (and a labelmap replacement) may hold $1 / ${name} references; from 3.0 any
  // UTF-8 text is a label name, with or without them
  const isTarget = (t: string, references: boolean) => (references && version.major < 3 ? REPLACE_TARGET.test(t) : isLabelName(t, version));
  const targetFix = version.major >= 3 ? labelNameFix(version)
    : 'use letters, digits and "_" (and $1-style references for replace; Prometheus 3 takes any UTF-8 name)';
  if (rule.targetLabel !== undefined) {
    if (typeof rule.targetLabel !== 'string' || !isTarget(rule.targetLabel, action === RelabelAction.REPLACE)) {
      throw propError(scope, `${prop}.targetLabel`, `${show(rule.targetLabel)} is not a valid target label for "${action}"`, targetFix);
    }
  }
  if (action === RelabelAction.LABEL_MAP && rule.replacement !== undefined && (typeof rule.replacement !== 'string' || !isTarget(rule.replacement, true))) {
    throw propError(scope, `${prop}.replacement`, `${show(rule.replacement)} is not a valid label name for "${action}"`, targetFix);
  }
  if (action === RelabelAction.HASH_MOD && !(Number.isInteger(rule.modulus) && rule.modulus! > 0)) {
    throw propError(scope, `${prop}.modulus`, `received ${show(rule.modulus)}`, 'a hashmod rule needs a positive integer modulus');
  }
  const onlyRegex = action === RelabelAction.LABEL_DROP || action === RelabelAction.LABEL_KEEP;
  const noRegex = action === RelabelAction.KEEP_EQUAL || action === RelabelAction.DROP_EQUAL;
  const extra = onlyRegex
    ? (['sourceLabels', 'separator', 'targetLabel', 'replacement', 'modulus'] as const).filter((k) => rule[k] !== undefined)
    : noRegex ? (['regex', 'separator', 'replacement', 'modulus'] as const).filter((k) => rule[k] !== undefined) : [];
  if (extra.length > 0) {
    throw propError(scope, `${prop}.${extra[0]}`, `a "${action}" rule does not take ${extra.join(', ')}`, `remove ${extra.length > 1 ? 'them' : 'it'} (Prometheus refuses the rule otherwise)`);
  }

  const out: Record<string, unknown> = {};
  if (rule.sourceLabels && rule.sourceLabels.length > 0) out.source_labels = [...rule.sourceLabels];
  if (rule.separator !== undefined) out.separator = rule.separator;
  if (rule.regex !== undefined) out.regex = rule.regex;
  if (rule.modulus !== undefined) out.modulus = rule.modulus;
  if (rule.targetLabel !== undefined) out.target_label = rule.targetLabel;
  if (rule.replacement !== undefined) out.replacement = rule.replacement;
  out.action = action;
  return out;
}

/** Checks an HTTP path to scrape ("/metrics"). @internal */
export function checkHttpPath(scope: IConstruct, prop: string, path: string, queryFix?: string): string {
  if (typeof path !== 'string' || !/^\/\S*$/.test(path)) {
    throw propError(scope, prop, `${show(path)} is not an HTTP path`, 'give a path starting with "/", e.g. "/metrics"');
  }
  // Where Prometheus fetches the path itself (queryFix given), it puts it into the URL's path,
  // escaping "?" and "#": "/metrics?x=1" is requested as /metrics%3Fx=1 (a 404)
  if (queryFix !== undefined && /[?#]/.test(path)) {
    throw propError(scope, prop, `${show(path)} holds a query or fragment, which Prometheus would escape into the path (requesting ${show(path.replace(/\?/g, '%3F').replace(/#/g, '%23'))})`,
      queryFix);
  }
  return path;
}

/** Checks that a duration is a positive whole number of milliseconds, as Prometheus durations are. @internal */
export function checkDuration(scope: IConstruct, prop: string, d: Duration): Duration {
  const ms = d instanceof Duration ? d.toMilliseconds({ integral: false }) : NaN;
  if (!(ms >= 1 && Number.isInteger(ms))) {
    throw propError(scope, prop, `received ${d instanceof Duration ? `${ms}ms` : show(d)}`,
      'give a positive Duration in whole milliseconds, e.g. Duration.seconds(15) (a zero interval would make Prometheus fall back to its default)');
  }
  return d;
}

/** A cdk8s Duration in Prometheus's duration syntax, in the largest exact unit ("15s", "2h", "15d"). @internal */
export function promDuration(d: Duration): string {
  const ms = d.toMilliseconds();
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  for (const [unit, size] of units) if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  return '0s';
}
