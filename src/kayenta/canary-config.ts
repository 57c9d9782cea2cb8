import { Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { propError, show } from '../validation/errors';
import { checkDnsSubdomain } from '../validation/names';

/** Which change of a metric makes it fail (`analysisConfigurations.canary.direction`). */
export enum CanaryDirection {
  /** Fail only when the canary is significantly higher than the baseline (errors, latency). */
  INCREASE = 'increase',
  /** Fail only when the canary is significantly lower than the baseline (successes, throughput). */
  DECREASE = 'decrease',
  /** Fail on a significant change either way. */
  EITHER = 'either',
}

/** What the judge does with NaN values (intervals without data). */
export enum CanaryNanStrategy {
  /**
   * Replace NaNs with 0: for counters that report nothing when nothing happened. A metric that
   * returns no data at all then passes (Kayenta classifies it Pass), so a typo in its query
   * passes too; `mustHaveData` has no effect with it.
   */
  REPLACE = 'replace',
  /** Drop NaNs: for metrics that should always have data. */
  REMOVE = 'remove',
}

/** What the judge does with outliers before comparing. */
export enum CanaryOutlierStrategy {
  /** Compare all data points. */
  KEEP = 'keep',
  /** Drop data points outside `outlierFactor` interquartile ranges. */
  REMOVE = 'remove',
}

/**
 * How large a change must be before a metric fails (`effectSize`). Each value is a ratio of
 * the canary to the baseline; Kayenta's judge treats a missing value as 1.
 */
export interface CanaryEffectSize {
  /**
   * The canary must exceed the baseline by at least this ratio to fail (e.g. 1.1 = +10%); 1 or more.
   * @default - Kayenta's default (1)
   */
  readonly allowedIncrease?: number;

  /**
   * The canary must fall below the baseline by at least this ratio to fail (e.g. 0.9 = -10%); 0 to 1.
   * @default - Kayenta's default (1)
   */
  readonly allowedDecrease?: number;

  /**
   * An increase of at least this ratio fails the whole analysis (critical metrics only); 1 or more.
   * @default - Kayenta's default (1)
   */
  readonly criticalIncrease?: number;

  /**
   * A decrease of at least this ratio fails the whole analysis (critical metrics only); 0 to 1.
   * @default - Kayenta's default (1)
   */
  readonly criticalDecrease?: number;
}

/** How a metric's analysis treats outliers (`analysisConfigurations.canary.outliers`). */
export interface CanaryOutliers {
  /** Keep or remove outliers. */
  readonly strategy: CanaryOutlierStrategy;

  /**
   * How many interquartile ranges away a point must be to count as an outlier.
   * @default - Kayenta's default (3)
   */
  readonly outlierFactor?: number;
}

/**
 * Options of `CanaryMetricQuery.prometheus`: the Prometheus query Kayenta builds for one metric,
 * `avg(<metricName>{<filter>,<labelBindings>}) by (<groupByFields>)`, with no `rate()`.
 */
export interface CanaryPrometheusQueryOptions {
  /**
   * The metric name, e.g. `process_resident_memory_bytes`. Kayenta averages the raw series, so
   * give a gauge; for a counter (`*_total`) compare its rate with `CanaryMetricQuery.promql()`,
   * e.g. `sum(rate(http_requests_total{...}[1m]))`.
   */
  readonly metricName: string;

  /**
   * Label matchers added to the query, e.g. `code=~"5.."`.
   * @default - none
   */
  readonly labelBindings?: string[];

  /**
   * Labels to group by (`avg(...) by (...)`).
   * @default - none
   */
  readonly groupByFields?: string[];

  /**
   * The resource type whose scope filter Kayenta adds to the query: `gce_instance` or
   * `aws_ec2_instance`, the only two Kayenta's Prometheus metrics service knows (it refuses any
   * other). Kubernetes workloads select their series with `customFilterTemplate` instead. A query
   * needs one of the two.
   * @default - none: give customFilterTemplate
   */
  readonly resourceType?: string;

  /**
   * The name of a template in the config's `templates` that filters the series, e.g. one holding
   * `namespace="${location}",pod=~"${scope}-.*"`; Kayenta expands the scope's variables in it.
   * @default - none: give resourceType
   */
  readonly customFilterTemplate?: string;
}

/** The resource types Kayenta's Prometheus metrics service builds a scope filter for. */
const PROMETHEUS_RESOURCE_TYPES = ['gce_instance', 'aws_ec2_instance'];

/** The query that fetches one metric, for one kind of metrics store. */
export abstract class CanaryMetricQuery {
  /**
   * A Prometheus query built by Kayenta from a metric name, label bindings and grouping.
   */
  public static prometheus(options: CanaryPrometheusQueryOptions): CanaryMetricQuery {
    if (typeof options.metricName !== 'string' || options.metricName.trim() === '') {
      throw new Error(`CanaryMetricQuery.prometheus: metricName: received ${show(options.metricName)}; give a Prometheus metric name such as "process_resident_memory_bytes"`);
    }
    // Kayenta's PrometheusMetricsService.addScopeFilter: a custom filter, or one of two resource types
    const hasFilter = typeof options.customFilterTemplate === 'string' && options.customFilterTemplate.trim() !== '';
    if (!hasFilter) {
      if (options.resourceType === undefined || options.resourceType === '') {
        throw new Error(`CanaryMetricQuery.prometheus: customFilterTemplate: none for metric ${show(options.metricName)} (and no resourceType), `
          + 'so Kayenta would filter the series by the resourceType of each analysis request, which works only for gce_instance and aws_ec2_instance; '
          + 'name a template of the config that selects the canary\'s series (e.g. pod=~"${scope}-.*"), use CanaryMetricQuery.promql(), or set resourceType explicitly');
      }
      if (!PROMETHEUS_RESOURCE_TYPES.includes(options.resourceType)) {
        throw new Error(`CanaryMetricQuery.prometheus: resourceType: received ${show(options.resourceType)}, which Kayenta's Prometheus metrics service refuses `
          + `(it knows ${PROMETHEUS_RESOURCE_TYPES.map((t) => show(t)).join(' and ')}); give customFilterTemplate instead, or use CanaryMetricQuery.promql()`);
      }
    }
    return new JsonQuery({
      type: 'prometheus',
      serviceType: 'prometheus',
      metricName: options.metricName,
      resourceType: options.resourceType,
      labelBindings: options.labelBindings,
      groupByFields: options.groupByFields,
      customFilterTemplate: options.customFilterTemplate,
    });
  }

  /**
   * A full PromQL expression (`customInlineTemplate`). Kayenta expands `${scope}`, `${location}`
   * and the config's template variables in it. Kayenta sends the text as a complete query only
   * when it starts with `PromQL:` (otherwise it appends it to a metric name as a filter), so the
   * prefix is added when missing.
   */
  public static promql(expression: string): CanaryMetricQuery {
    if (typeof expression !== 'string' || expression.replace(/^PromQL:/, '').trim() === '') {
      throw new Error(`CanaryMetricQuery.promql: expression: received ${show(expression)}; give a PromQL expression`);
    }
    return new JsonQuery({
      type: 'prometheus',
      serviceType: 'prometheus',
      customInlineTemplate: expression.startsWith('PromQL:') ? expression : `PromQL:${expression}`,
    });
  }

  /**
   * A Datadog metric query, e.g. `avg:trace.http.request.errors`, written as the query config's
   * `metricName`: Kayenta appends the request's scope in braces (`avg:...{scope}`). Kayenta marks
   * the field deprecated in favour of its query templates, and still reads it.
   */
  public static datadog(metricName: string): CanaryMetricQuery {
    if (typeof metricName !== 'string' || metricName.trim() === '') {
      throw new Error(`CanaryMetricQuery.datadog: metricName: received ${show(metricName)}; give a Datadog metric query such as "avg:system.cpu.user"`);
    }
    return new JsonQuery({ type: 'datadog', serviceType: 'datadog', metricName });
  }

  /** @internal */
  public abstract _toJson(): { [key: string]: unknown };
}

class JsonQuery extends CanaryMetricQuery {
  constructor(private readonly json: { [key: string]: unknown }) {
    super();
  }

  public _toJson() {
    return Object.fromEntries(Object.entries(this.json).filter(([, v]) => v !== undefined));
  }
}

/** One metric of a canary config: its query, classifier groups and how to judge it (`addMetric`). */
export interface CanaryMetricOptions {
  /** The metric's name, unique in the config; results are reported under it. */
  readonly name: string;

  /** How to fetch the metric. */
  readonly query: CanaryMetricQuery;

  /** The classifier groups the metric counts toward; each needs a weight in `groupWeights`. */
  readonly groups: string[];

  /**
   * Which change makes the metric fail.
   * @default CanaryDirection.EITHER — Kayenta's judge default
   */
  readonly direction?: CanaryDirection;

  /**
   * What to do with intervals without data.
   * @default - not set: Kayenta's judge removes NaNs
   */
  readonly nanStrategy?: CanaryNanStrategy;

  /**
   * Fail the whole analysis (score 0) when this metric fails.
   * @default false
   */
  readonly critical?: boolean;

  /**
   * Fail the metric when it returns no data. Not with `nanStrategy` REPLACE, under which Kayenta
   * passes a metric without data.
   * @default false
   */
  readonly mustHaveData?: boolean;

  /**
   * How large a change must be to fail.
   * @default - Kayenta's defaults: any statistically significant change
   */
  readonly effectSize?: CanaryEffectSize;

  /**
   * Outlier handling.
   * @default - Kayenta's default: keep outliers
   */
  readonly outliers?: CanaryOutliers;

  /**
   * The scope the metric is fetched for: the name of a scope in the analysis request (its
   * `scopes` map), which Kayenta checks when the analysis starts. Requests usually give one scope,
   * `default`; a name of your own needs requests with a scope of that name.
   * @default "default"
   */
  readonly scopeName?: string;
}

/** A metric added to a canary config. */
export class CanaryMetric {
  /** @internal */
  public static _create(name: string, groups: string[], json: { [key: string]: unknown }): CanaryMetric {
    return new CanaryMetric(name, groups, json);
  }

  /** @internal */
  public readonly _json: { [key: string]: unknown };

  private constructor(
    /** The metric's name. */
    public readonly name: string,
    /** Its classifier groups. */
    public readonly groups: string[],
    json: { [key: string]: unknown },
  ) {
    this._json = json;
  }
}

/** The scores (0-100) at which a canary passes or is marginal (`classifier.scoreThresholds`). */
export interface CanaryScoreThresholds {
  /** A score at or above this (0-100) passes. */
  readonly pass: number;

  /** A score below this (0-100) fails; between `marginal` and `pass` is marginal. */
  readonly marginal: number;
}

/** Props of `CanaryConfig`: the canary config's name, judge, metrics and classifier. */
export interface CanaryConfigProps {
  /**
   * The config's name (Kayenta's `name`): letters, digits, "-" and "_", as Kayenta's canary
   * config API requires. Also names its file in a ConfigMap.
   */
  readonly name: string;

  /**
   * A description.
   * @default - the name
   */
  readonly description?: string;

  /**
   * An id, so that requests can refer to the config once it is saved in Kayenta.
   * @default - none: Kayenta assigns one when the config is saved; inline use needs none
   */
  readonly id?: string;

  /**
   * The config's version.
   * @default "1"
   */
  readonly configVersion?: string;

  /**
   * The applications the config is for (at least one: Kayenta refuses a config without).
   * @default ["ad-hoc"]
   */
  readonly applications?: string[];

  /**
   * The judge.
   * @default "NetflixACAJudge-v1.0" — the judge Kayenta ships
   */
  readonly judge?: string;

  /** Weight of each metric group in the final score; the weights must sum to 100. */
  readonly groupWeights: { [group: string]: number };

  /**
   * Score thresholds (0-100) written into the config (`classifier.scoreThresholds`); `marginal`
   * must not exceed `pass`. Kayenta's judge doesn't read them: every analysis request carries
   * its own `thresholds` (Kayenta refuses one without), and those decide. Keep them here only as
   * the documented gate of the config, and send the same values with each request.
   * @default - none in the config
   */
  readonly scoreThresholds?: CanaryScoreThresholds;

  /**
   * The metrics; `addMetric()` adds more.
   * @default - none yet (at least one by synth time)
   */
  readonly metrics?: CanaryMetricOptions[];

  /**
   * Named query templates, for `customFilterTemplate` and inline templates.
   * @default - none
   */
  readonly templates?: { [name: string]: string };
}

const KAYENTA_JUDGE = 'NetflixACAJudge-v1.0';
/** The names Kayenta's canary config API accepts. */
const CONFIG_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * A Kayenta canary config (docs/canary-config.md in spinnaker/kayenta), built from typed parts
 * and checked as it is built: group weights sum to 100, thresholds lie in 0-100 with marginal not
 * above pass, and every metric's groups have a weight.
 *
 * The JSON is what Kayenta's `/canaryConfig` API stores and what an ad-hoc analysis request
 * takes inline as `canaryConfig` (`POST /canary`, as the seed's pipeline does, or
 * `POST /standalone_canary_analysis`, whose `executionRequest` has another shape). Ship it with a
 * Kayenta through `KayentaStandalone.addCanaryConfig()` or with `KayentaCanaryConfigs`.
 */
export class CanaryConfig extends Construct {
  /** The config's name. */
  public readonly configName: string;
  /** The file name used for the config in a ConfigMap: the name in DNS-1123 form plus `.json`. */
  public readonly fileName: string;
  private readonly props: CanaryConfigProps;
  private readonly metrics: CanaryMetric[] = [];

  constructor(scope: Construct, id: string, props: CanaryConfigProps) {
    super(scope, id);
    this.props = props;
    if (typeof props.name !== 'string' || props.name.trim() === '') {
      throw propError(this, 'name', `received ${show(props.name)}`, 'give the config a name such as "app-config"');
    }
    // Kayenta's /canaryConfig API refuses other names ("Names must contain only letters, numbers, dashes (-) and underscores (_)")
    if (!CONFIG_NAME.test(props.name)) {
      throw propError(this, 'name', `${show(props.name)} is not a name Kayenta accepts`, 'use only letters, digits, "-" and "_", e.g. "app-config-v1"');
    }
    const applications = props.applications ?? ['ad-hoc'];
    if (!Array.isArray(applications) || applications.length === 0 || applications.some((a) => typeof a !== 'string' || a.trim() === '')) {
      throw propError(this, 'applications', `received ${show(applications)}`, 'give at least one application name (Kayenta refuses a config without one), or leave it unset for ["ad-hoc"]');
    }
    this.configName = props.name;
    const slug = props.name.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'canary-config';
    this.fileName = `${checkDnsSubdomain(this, 'name', slug.slice(0, 240))}.json`;
    this.checkThresholds();
    this.checkWeights();
    for (const metric of props.metrics ?? []) this.addMetric(metric);

    this.node.addValidation({ validate: () => this.unusedGroups() });
  }

  /** Adds a metric; its groups must have weights. */
  public addMetric(options: CanaryMetricOptions): CanaryMetric {
    const prop = `metrics[${show(options.name)}]`;
    if (typeof options.name !== 'string' || options.name.trim() === '') {
      throw propError(this, 'metrics[].name', `received ${show(options.name)}`, 'give every metric a name');
    }
    if (this.metrics.some((m) => m.name === options.name)) {
      throw propError(this, prop, 'a metric with this name already exists', 'give every metric a unique name; results are reported by name');
    }
    const groups = options.groups ?? [];
    if (groups.length === 0) {
      throw propError(this, `${prop}.groups`, 'no group', `put the metric in at least one group of groupWeights (${Object.keys(this.props.groupWeights).join(', ')})`);
    }
    for (const group of groups) {
      if (!(group in this.props.groupWeights)) {
        throw propError(this, `${prop}.groups`, `group ${show(group)} has no weight in groupWeights`,
          `use one of ${Object.keys(this.props.groupWeights).map((g) => show(g)).join(', ')} or add a weight for ${show(group)}`);
      }
    }
    const scopeName = options.scopeName ?? 'default';
    if (typeof scopeName !== 'string' || scopeName.trim() === '' || scopeName !== scopeName.trim()) {
      throw propError(this, `${prop}.scopeName`, `received ${show(scopeName)}`, 'give the name of a scope of the analysis requests, or leave it unset ("default")');
    }
    if (options.mustHaveData === true && options.nanStrategy === CanaryNanStrategy.REPLACE) {
      throw propError(this, `${prop}.mustHaveData`, 'true with nanStrategy REPLACE, under which Kayenta classifies a metric without data as Pass, so mustHaveData would never fail it',
        'use nanStrategy REMOVE (or leave it unset) to fail the metric without data, or drop mustHaveData');
    }
    const canary: { [key: string]: unknown } = {
      direction: options.direction ?? CanaryDirection.EITHER,
      nanStrategy: options.nanStrategy,
      critical: options.critical,
      mustHaveData: options.mustHaveData,
      effectSize: this.effectSize(prop, options.effectSize),
      outliers: this.outliers(prop, options.outliers),
    };
    const metric = CanaryMetric._create(options.name, [...groups], {
      name: options.name,
      query: options.query._toJson(),
      groups: [...groups],
      analysisConfigurations: { canary: Object.fromEntries(Object.entries(canary).filter(([, v]) => v !== undefined)) },
      scopeName,
    });
    this.metrics.push(metric);
    return metric;
  }

  /** The config as Kayenta's JSON object. */
  public toJson(): any {
    const p = this.props;
    const json: { [key: string]: unknown } = {
      id: p.id,
      name: p.name,
      description: p.description ?? p.name,
      configVersion: p.configVersion ?? '1',
      applications: [...(p.applications ?? ['ad-hoc'])],
      judge: { name: p.judge ?? KAYENTA_JUDGE, judgeConfigurations: {} },
      metrics: this.metrics.map((m) => m._json),
      templates: { ...p.templates },
      classifier: {
        groupWeights: Object.fromEntries(Object.keys(p.groupWeights).sort().map((g) => [g, p.groupWeights[g]])),
        ...(p.scoreThresholds ? { scoreThresholds: { pass: p.scoreThresholds.pass, marginal: p.scoreThresholds.marginal } } : {}),
      },
    };
    return Object.fromEntries(Object.entries(json).filter(([, v]) => v !== undefined));
  }

  /** The config as JSON text (two-space indented, trailing newline). */
  public render(): string {
    return `${JSON.stringify(this.toJson(), undefined, 2)}\n`;
  }

  private checkThresholds(): void {
    if (this.props.scoreThresholds === undefined) return;
    const t = this.props.scoreThresholds;
    for (const key of ['pass', 'marginal'] as const) {
      const v = t[key];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) {
        throw propError(this, `scoreThresholds.${key}`, `${show(v)} is not a score`, 'use a number from 0 to 100');
      }
    }
    if (t.marginal > t.pass) {
      throw propError(this, 'scoreThresholds', `marginal ${t.marginal} is greater than pass ${t.pass}`,
        'make marginal at most pass (scores from marginal up to pass are marginal, below marginal fail)');
    }
  }

  private checkWeights(): void {
    const weights = this.props.groupWeights ?? {};
    const entries = Object.entries(weights);
    if (entries.length === 0) {
      throw propError(this, 'groupWeights', 'no group', 'give each metric group a weight, summing to 100, e.g. { Errors: 60, Latency: 40 }');
    }
    for (const [group, w] of entries) {
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw propError(this, `groupWeights.${group}`, `${show(w)} is not a weight`, 'use a number from 0 to 100');
      }
    }
    const sum = entries.reduce((s, [, w]) => s + w, 0);
    if (Math.abs(sum - 100) > 1e-9) {
      throw propError(this, 'groupWeights', `weights sum to ${Number(sum.toFixed(6))} (${entries.map(([g, w]) => `${g}: ${w}`).join(', ')})`,
        'make them sum to 100');
    }
  }

  private effectSize(prop: string, e: CanaryEffectSize | undefined): { [key: string]: number } | undefined {
    if (!e) return undefined;
    const out: { [key: string]: number } = {};
    for (const key of ['allowedIncrease', 'allowedDecrease', 'criticalIncrease', 'criticalDecrease'] as const) {
      const v = e[key];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw propError(this, `${prop}.effectSize.${key}`, `${show(v)} is not a ratio`, 'use a positive number, e.g. 1.1 for +10% or 0.9 for -10%');
      }
      // the canary/baseline ratio the judge compares with: increases from 1 up, decreases from 1 down
      if (key.endsWith('Increase') ? v < 1 : v > 1) {
        const increase = key.endsWith('Increase');
        throw propError(this, `${prop}.effectSize.${key}`, `${v} is ${increase ? 'below' : 'above'} 1: the judge compares the canary/baseline ratio with it, so it tolerates no ${increase ? 'increase' : 'decrease'} at all`,
          increase ? 'use 1 or more, e.g. 1.1 to tolerate +10%' : 'use a ratio from 0 to 1, e.g. 0.9 to tolerate -10%');
      }
      out[key] = v;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private outliers(prop: string, o: CanaryOutliers | undefined): { [key: string]: unknown } | undefined {
    if (!o) return undefined;
    if (o.outlierFactor !== undefined && (typeof o.outlierFactor !== 'number' || !(o.outlierFactor > 0))) {
      throw propError(this, `${prop}.outliers.outlierFactor`, `${show(o.outlierFactor)} is not a factor`, 'use a positive number (Kayenta uses 3 by default)');
    }
    return o.outlierFactor === undefined ? { strategy: o.strategy } : { strategy: o.strategy, outlierFactor: o.outlierFactor };
  }

  private unusedGroups(): string[] {
    const errors: string[] = [];
    if (this.metrics.length === 0) {
      errors.push(`${this.node.path}: metrics: the config has no metric; pass metrics or call addMetric()`);
    }
    const templates = this.props.templates ?? {};
    for (const m of this.metrics) {
      const template = (m._json.query as { customFilterTemplate?: string }).customFilterTemplate;
      if (template !== undefined && !Object.prototype.hasOwnProperty.call(templates, template)) {
        const known = Object.keys(templates);
        errors.push(`${this.node.path}: metrics[${show(m.name)}].query.customFilterTemplate: ${show(template)} is not a template of this config`
          + ` (${known.length ? `templates: ${known.map((t) => show(t)).join(', ')}` : 'it has no templates'}), and Kayenta fails the analysis when it builds the query; add it to templates or fix the name`);
      }
    }
    const used = new Set(this.metrics.flatMap((m) => m.groups));
    for (const group of Object.keys(this.props.groupWeights)) {
      if (this.metrics.length > 0 && !used.has(group)) {
        errors.push(`${this.node.path}: groupWeights.${group}: no metric is in group ${show(group)}, so its weight can never be earned; put a metric in it or remove the group`);
      }
    }
    return errors;
  }
}

/** Props of `KayentaCanaryConfigs`: the ConfigMap that ships canary configs as JSON files. */
export interface KayentaCanaryConfigsProps {
  /** The ConfigMap's name. */
  readonly name: string;

  /**
   * The ConfigMap's namespace.
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * The configs; `addConfig()` adds more.
   * @default - none yet
   */
  readonly configs?: CanaryConfig[];
}

/**
 * A ConfigMap holding canary configs as `<name>.json` files, so that they are versioned and
 * applied with the rest of the manifests (GitOps). A pipeline step reads the file and sends it
 * inline to Kayenta (`canaryConfig` of `POST /canary` or `POST /standalone_canary_analysis`) or
 * saves it with `POST /canaryConfig`.
 */
export class KayentaCanaryConfigs extends Construct {
  public readonly configMap: kplus.ConfigMap;
  private readonly configs = new Map<string, CanaryConfig>();

  constructor(scope: Construct, id: string, props: KayentaCanaryConfigsProps) {
    super(scope, id);
    this.configMap = new kplus.ConfigMap(this, 'config-map', {
      metadata: { name: checkDnsSubdomain(this, 'name', props.name), namespace: props.namespace, labels: { 'app.kubernetes.io/component': 'canary-config' } },
    });
    for (const config of props.configs ?? []) this.addConfig(config);
  }

  /** Adds a config as `<fileName>`; returns the ConfigMap key. */
  public addConfig(config: CanaryConfig): string {
    const taken = this.configs.get(config.fileName);
    if (taken) {
      throw propError(this, 'configs', `configs ${show(taken.node.path)} and ${show(config.node.path)} both map to the file ${show(config.fileName)}`,
        'give the canary configs distinct names');
    }
    this.configs.set(config.fileName, config);
    // rendered at synth time, so that metrics added after this call are included
    this.configMap.addData(config.fileName, lazyString(() => config.render()));
    return config.fileName;
  }
}

/**
 * A string value resolved when the chart is synthesized. cdk8s resolves lazy values anywhere in
 * an object, including inside a ConfigMap's data.
 * @internal
 */
export function lazyString(produce: () => string): string {
  return Lazy.any({ produce }) as unknown as string;
}
