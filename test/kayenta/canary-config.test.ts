import { Chart, Testing } from 'cdk8s';
import {
  CanaryConfig, CanaryConfigProps, CanaryDirection, CanaryMetricQuery, CanaryNanStrategy, CanaryOutlierStrategy,
  KayentaCanaryConfigs, KayentaMetricsStore, KayentaStandalone, KayentaStorage,
} from '../../src';
import { expectSchemaValid, findOne, runValidations, synthChart } from '../harness';

/** The seed's PromQL: 4xx and 5xx responses per controller action over the analysis window. */
const SEED_QUERY = "sum(increase(http_requests_received_total{app='my-app',azure_pipelines_version='${location}',code=~'5\\\\d\\\\d|4\\\\d\\\\d'}[120m])) by (action)";

function config(props: Partial<CanaryConfigProps> = {}) {
  const chart = new Chart(Testing.app(), 'test');
  const canary = new CanaryConfig(chart, 'app-config', {
    name: 'app-config',
    groupWeights: { StatusCodes: 100 },
    scoreThresholds: { pass: 75, marginal: 75 },
    ...props,
  });
  return { chart, canary };
}

describe('CanaryConfig', () => {
  test('renders the seed\'s canary config', () => {
    const { canary } = config({ description: 'App Canary Configuration', applications: ['app'] });
    canary.addMetric({
      name: 'Errors By Controller',
      query: CanaryMetricQuery.promql(SEED_QUERY),
      groups: ['StatusCodes'],
      direction: CanaryDirection.INCREASE,
      nanStrategy: CanaryNanStrategy.REPLACE,
    });
    expect(JSON.parse(canary.render())).toEqual({
      name: 'app-config',
      description: 'App Canary Configuration',
      configVersion: '1',
      applications: ['app'],
      judge: { name: 'NetflixACAJudge-v1.0', judgeConfigurations: {} },
      metrics: [{
        name: 'Errors By Controller',
        query: { type: 'prometheus', serviceType: 'prometheus', customInlineTemplate: `PromQL:${SEED_QUERY}` },
        groups: ['StatusCodes'],
        analysisConfigurations: { canary: { direction: 'increase', nanStrategy: 'replace' } },
        scopeName: 'default',
      }],
      templates: {},
      classifier: { groupWeights: { StatusCodes: 100 }, scoreThresholds: { pass: 75, marginal: 75 } },
    });
  });

  test('keeps a PromQL: prefix that is already there', () => {
    expect(CanaryMetricQuery.promql('PromQL:up')._toJson()).toEqual({ type: 'prometheus', serviceType: 'prometheus', customInlineTemplate: 'PromQL:up' });
  });

  test('renders a Prometheus metric query with a custom filter, label bindings and grouping', () => {
    const query = CanaryMetricQuery.prometheus({ metricName: 'http_requests_total', customFilterTemplate: 'pods', labelBindings: ['code=~"5.."'], groupByFields: ['pod'] });
    expect(query._toJson()).toEqual({
      type: 'prometheus', serviceType: 'prometheus', metricName: 'http_requests_total', customFilterTemplate: 'pods', labelBindings: ['code=~"5.."'], groupByFields: ['pod'],
    });
  });

  test('renders a Prometheus metric query for one of the two resource types Kayenta filters itself', () => {
    expect(CanaryMetricQuery.prometheus({ metricName: 'cpu', resourceType: 'aws_ec2_instance' })._toJson())
      .toEqual({ type: 'prometheus', serviceType: 'prometheus', metricName: 'cpu', resourceType: 'aws_ec2_instance' });
  });

  test('refuses a Prometheus metric query that Kayenta could not scope (no filter template, no resource type)', () => {
    expect(() => CanaryMetricQuery.prometheus({ metricName: 'http_requests_total' })).toThrow(
      'CanaryMetricQuery.prometheus: customFilterTemplate: none for metric "http_requests_total" (and no resourceType), so Kayenta would filter the series by the resourceType of each analysis request, '
      + 'which works only for gce_instance and aws_ec2_instance; name a template of the config that selects the canary\'s series (e.g. pod=~"${scope}-.*"), use CanaryMetricQuery.promql(), or set resourceType explicitly');
  });

  test('refuses a resource type Kayenta\'s Prometheus metrics service has no filter for', () => {
    expect(() => CanaryMetricQuery.prometheus({ metricName: 'up', resourceType: 'k8s_pod' })).toThrow(
      'CanaryMetricQuery.prometheus: resourceType: received "k8s_pod", which Kayenta\'s Prometheus metrics service refuses (it knows "gce_instance" and "aws_ec2_instance"); give customFilterTemplate instead, or use CanaryMetricQuery.promql()');
  });

  test('maps every enum to Kayenta\'s lower-case strings', () => {
    expect([CanaryDirection.INCREASE, CanaryDirection.DECREASE, CanaryDirection.EITHER]).toEqual(['increase', 'decrease', 'either']);
    expect([CanaryNanStrategy.REPLACE, CanaryNanStrategy.REMOVE]).toEqual(['replace', 'remove']);
    expect([CanaryOutlierStrategy.KEEP, CanaryOutlierStrategy.REMOVE]).toEqual(['keep', 'remove']);
  });

  test('renders critical, mustHaveData, effect size and outliers under analysisConfigurations.canary', () => {
    const { canary } = config({ groupWeights: { Latency: 100 } });
    canary.addMetric({
      name: 'p99',
      query: CanaryMetricQuery.datadog('p99:trace.http.request.duration'),
      groups: ['Latency'],
      critical: true,
      mustHaveData: true,
      effectSize: { allowedIncrease: 1.1, criticalIncrease: 2 },
      outliers: { strategy: CanaryOutlierStrategy.REMOVE, outlierFactor: 2.5 },
    });
    expect(canary.toJson().metrics[0].analysisConfigurations.canary).toEqual({
      direction: 'either',
      critical: true,
      mustHaveData: true,
      effectSize: { allowedIncrease: 1.1, criticalIncrease: 2 },
      outliers: { strategy: 'remove', outlierFactor: 2.5 },
    });
    expect(canary.toJson().metrics[0].query).toEqual({ type: 'datadog', serviceType: 'datadog', metricName: 'p99:trace.http.request.duration' });
  });

  test('fails on mustHaveData with nanStrategy REPLACE, under which Kayenta passes a metric without data', () => {
    const { canary } = config();
    expect(() => canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.promql('up'), groups: ['StatusCodes'], mustHaveData: true, nanStrategy: CanaryNanStrategy.REPLACE })).toThrow(
      'test/app-config: metrics["Errors"].mustHaveData: true with nanStrategy REPLACE, under which Kayenta classifies a metric without data as Pass, so mustHaveData would never fail it; '
      + 'use nanStrategy REMOVE (or leave it unset) to fail the metric without data, or drop mustHaveData');
    expect(() => canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.promql('up'), groups: ['StatusCodes'], mustHaveData: true, nanStrategy: CanaryNanStrategy.REMOVE })).not.toThrow();
  });

  test('writes no scoreThresholds when none are given: Kayenta takes the thresholds of each request', () => {
    const { canary } = config({ scoreThresholds: undefined });
    canary.addMetric({ name: 'e', query: CanaryMetricQuery.promql('up'), groups: ['StatusCodes'] });
    expect(canary.toJson().classifier).toEqual({ groupWeights: { StatusCodes: 100 } });
  });

  test('sorts group weights and includes the id when given', () => {
    const { canary } = config({ id: 'app-config-v1', groupWeights: { Latency: 40, Errors: 60 } });
    canary.addMetric({ name: 'e', query: CanaryMetricQuery.promql('up'), groups: ['Errors', 'Latency'] });
    const json = canary.toJson();
    expect(Object.keys(json)[0]).toBe('id');
    expect(Object.keys(json.classifier.groupWeights)).toEqual(['Errors', 'Latency']);
  });

  test('fails when the group weights do not sum to 100', () => {
    expect(() => config({ groupWeights: { Errors: 50, Latency: 40 } })).toThrow(
      'test/app-config: groupWeights: weights sum to 90 (Errors: 50, Latency: 40); make them sum to 100');
  });

  test('fails when marginal is above pass', () => {
    expect(() => config({ scoreThresholds: { pass: 75, marginal: 80 } })).toThrow(
      'test/app-config: scoreThresholds: marginal 80 is greater than pass 75; make marginal at most pass (scores from marginal up to pass are marginal, below marginal fail)');
  });

  test('fails when a threshold is outside 0-100', () => {
    expect(() => config({ scoreThresholds: { pass: 101, marginal: 50 } })).toThrow(
      'test/app-config: scoreThresholds.pass: 101 is not a score; use a number from 0 to 100');
  });

  test('fails when a metric\'s group has no weight', () => {
    const { canary } = config();
    expect(() => canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.promql('up'), groups: ['Errors'] })).toThrow(
      'test/app-config: metrics["Errors"].groups: group "Errors" has no weight in groupWeights; use one of "StatusCodes" or add a weight for "Errors"');
  });

  test('fails at synth when a weighted group has no metric', () => {
    const { chart, canary } = config({ groupWeights: { StatusCodes: 50, Latency: 50 } });
    canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.promql('up'), groups: ['StatusCodes'] });
    expect(() => runValidations(chart)).toThrow(
      'test/app-config: groupWeights.Latency: no metric is in group "Latency", so its weight can never be earned; put a metric in it or remove the group');
  });

  test('fails at synth without metrics', () => {
    const { chart } = config();
    expect(() => runValidations(chart)).toThrow('test/app-config: metrics: the config has no metric; pass metrics or call addMetric()');
  });

  test('writes a scope name of the analysis requests, and refuses an empty or padded one', () => {
    const { canary } = config({ applications: ['app'] });
    const metric = { query: CanaryMetricQuery.promql('up'), groups: ['StatusCodes'] };
    canary.addMetric({ ...metric, name: 'a', scopeName: 'canary-pods' });
    expect(JSON.parse(canary.render()).metrics[0].scopeName).toBe('canary-pods');
    for (const scopeName of ['', ' default']) {
      expect(() => canary.addMetric({ ...metric, name: 'b', scopeName })).toThrow(
        `test/app-config: metrics["b"].scopeName: received ${JSON.stringify(scopeName)}; give the name of a scope of the analysis requests, or leave it unset ("default")`);
    }
  });

  test('fails when two metrics share a name', () => {
    const { canary } = config();
    canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.promql('up'), groups: ['StatusCodes'] });
    expect(() => canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.promql('up'), groups: ['StatusCodes'] })).toThrow(
      'test/app-config: metrics["Errors"]: a metric with this name already exists');
  });

  test('fails on an effect size that is not a positive ratio', () => {
    const { canary } = config();
    expect(() => canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.promql('up'), groups: ['StatusCodes'], effectSize: { allowedIncrease: -1 } })).toThrow(
      'test/app-config: metrics["Errors"].effectSize.allowedIncrease: -1 is not a ratio');
  });

  test.each([
    ['allowedIncrease', 0.5, 'is below 1: the judge compares the canary/baseline ratio with it, so it tolerates no increase at all; use 1 or more, e.g. 1.1 to tolerate +10%'],
    ['criticalIncrease', 0.9, 'is below 1: the judge compares the canary/baseline ratio with it, so it tolerates no increase at all'],
    ['allowedDecrease', 2, 'is above 1: the judge compares the canary/baseline ratio with it, so it tolerates no decrease at all; use a ratio from 0 to 1, e.g. 0.9 to tolerate -10%'],
    ['criticalDecrease', 1.5, 'is above 1: the judge compares the canary/baseline ratio with it, so it tolerates no decrease at all'],
  ])('fails on an effect size pointing the wrong way: %s %d', (key, value, message) => {
    const { canary } = config();
    expect(() => canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.promql('up'), groups: ['StatusCodes'], effectSize: { [key]: value } })).toThrow(
      `test/app-config: metrics["Errors"].effectSize.${key}: ${value} ${message}`);
  });

  test.each(['App Config', 'app.config', 'app/config', 'ünïcode'])('refuses the name %j, which Kayenta\'s canary config API rejects', (name) => {
    expect(() => config({ name })).toThrow(`test/app-config: name: ${JSON.stringify(name)} is not a name Kayenta accepts; use only letters, digits, "-" and "_"`);
  });

  test('refuses a config without applications, which Kayenta rejects', () => {
    expect(() => config({ applications: [] })).toThrow('test/app-config: applications: received []; give at least one application name');
  });

  test('fails at synth when a metric names a filter template the config does not have', () => {
    const { chart, canary } = config({ templates: { checkout: 'app="checkout"' } });
    canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.prometheus({ metricName: 'http_requests_total', customFilterTemplate: 'checkuot' }), groups: ['StatusCodes'] });
    expect(() => runValidations(chart)).toThrow(
      'test/app-config: metrics["Errors"].query.customFilterTemplate: "checkuot" is not a template of this config (templates: "checkout"), and Kayenta fails the analysis when it builds the query; add it to templates or fix the name');
  });

  test('a metric whose filter template exists passes', () => {
    const { chart, canary } = config({ templates: { checkout: 'app="checkout"' } });
    canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.prometheus({ metricName: 'http_requests_total', customFilterTemplate: 'checkout' }), groups: ['StatusCodes'] });
    expect(() => runValidations(chart)).not.toThrow();
    expect(canary.toJson().metrics[0].query.customFilterTemplate).toBe('checkout');
  });
});

describe('shipping canary configs', () => {
  function kayentaWithConfig() {
    const chart = new Chart(Testing.app(), 'test');
    const kayenta = new KayentaStandalone(chart, 'kayenta', {
      metricsStores: [KayentaMetricsStore.prometheus({ baseUrl: 'http://prometheus:9090' })],
      storage: [KayentaStorage.memory()],
    });
    const canary = new CanaryConfig(chart, 'app-config', { name: 'App_Config', groupWeights: { StatusCodes: 100 }, scoreThresholds: { pass: 95, marginal: 75 } });
    return { chart, kayenta, canary };
  }

  test('puts each config as <name>.json into a ConfigMap next to Kayenta, schema-valid', () => {
    const { chart, kayenta, canary } = kayentaWithConfig();
    expect(kayenta.addCanaryConfig(canary)).toBe('app-config.json');
    // a metric added after the config was shipped is included: the file is rendered at synth
    canary.addMetric({ name: 'Errors', query: CanaryMetricQuery.promql('up'), groups: ['StatusCodes'] });
    const objects = synthChart(chart);
    const configMap = findOne(objects, 'ConfigMap', 'kayenta-canary-configs');
    expect(configMap.metadata.namespace).toBe('kayenta');
    expect(JSON.parse(configMap.data['app-config.json'])).toEqual(canary.toJson());
    expect(JSON.parse(configMap.data['app-config.json']).metrics).toHaveLength(1);
    expectSchemaValid(objects);
  });

  test('fails when two configs map to one file', () => {
    const { chart, kayenta, canary } = kayentaWithConfig();
    const other = new CanaryConfig(chart, 'other', { name: 'app-config', groupWeights: { StatusCodes: 100 }, scoreThresholds: { pass: 95, marginal: 75 } });
    kayenta.addCanaryConfig(canary);
    expect(() => kayenta.addCanaryConfig(other)).toThrow(
      'test/kayenta/canary-configs: configs: configs "test/app-config" and "test/other" both map to the file "app-config.json"; give the canary configs distinct names');
  });

  test('ships configs without a Kayenta in the same app', () => {
    const chart = new Chart(Testing.app(), 'test');
    const canary = new CanaryConfig(chart, 'c', { name: 'checkout', groupWeights: { Errors: 100 }, scoreThresholds: { pass: 90, marginal: 50 } });
    canary.addMetric({ name: 'errors', query: CanaryMetricQuery.promql('sum(rate(errors_total[5m]))'), groups: ['Errors'] });
    new KayentaCanaryConfigs(chart, 'configs', { name: 'checkout-canary', namespace: 'checkout', configs: [canary] });
    const objects = synthChart(chart);
    expect(Object.keys(findOne(objects, 'ConfigMap', 'checkout-canary').data)).toEqual(['checkout.json']);
    expectSchemaValid(objects);
  });
});
