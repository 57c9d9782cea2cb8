import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { PodShape, relabel, Scrape, scrapes } from './relabel';
import { IstioPrometheusScrape, IstioScrapeMode } from '../../src';
import { findOne, synthChart } from '../harness';

/**
 * Which generated job scrapes which pod, found by running each job's relabelling over pod-discovery
 * targets as Prometheus would. This is what the rules are for, and it depends on their order, so a
 * reordered or missing rule fails here even when every rule is still present.
 */

const SIDECAR = { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' };
const APP_PORT = { port: 8080, name: 'http' };
const ENVOY_PORT = { port: 15090, name: 'http-envoy-prom' };
const annotated = (port: number, path: string) => ({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': path });

/** The pods of a mesh, as Kubernetes reports them after injection. */
const PODS: Record<string, PodShape> = {
  // No sidecar, annotated for its own /metrics.
  'plain': { ip: '10.0.0.1', annotations: annotated(8080, '/metrics'), labels: { app: 'plain' }, ports: [APP_PORT] },
  // A sidecar that merges: the injector rewrote the annotations to its :15020 endpoint.
  'merged': { ip: '10.0.0.2', annotations: { ...SIDECAR, ...annotated(15020, '/stats/prometheus') }, ports: [APP_PORT, ENVOY_PORT] },
  // A sidecar with merging off (addScrapeTarget in MUTUAL_TLS mode): the annotations point at the app.
  'opted-out': {
    ip: '10.0.0.3', annotations: { ...SIDECAR, 'prometheus.istio.io/merge-metrics': 'false', ...annotated(8080, '/metrics') }, ports: [APP_PORT, ENVOY_PORT],
  },
  // A sidecar, merging off, and istio.mtls: "false" (e.g. a port excluded from interception).
  'mtls-false': {
    ip: '10.0.0.4',
    annotations: { ...SIDECAR, 'prometheus.istio.io/merge-metrics': 'false', 'istio.mtls': 'false', ...annotated(8080, '/metrics') },
    ports: [APP_PORT, ENVOY_PORT],
  },
  'ipv6': { ip: 'fd00::5', annotations: annotated(8080, '/metrics'), ports: [APP_PORT] },
  // An application serving its metrics over TLS itself.
  'https-app': { ip: '10.0.0.6', annotations: { ...annotated(8443, '/metrics'), 'prometheus.io/scheme': 'https' }, ports: [{ port: 8443, name: 'https' }] },
  // A merging sidecar in front of an https application: :15020 is plain HTTP regardless.
  'merged-https-app': {
    ip: '10.0.0.7', annotations: { ...SIDECAR, ...annotated(15020, '/stats/prometheus'), 'prometheus.io/scheme': 'https' }, ports: [{ port: 8443, name: 'https' }, ENVOY_PORT],
  },
  // A merging sidecar whose pod also says istio.mtls: "true": :15020 is plain HTTP all the same.
  'merged-mtls-true': {
    ip: '10.0.0.11', annotations: { ...SIDECAR, 'istio.mtls': 'true', ...annotated(15020, '/stats/prometheus') }, ports: [APP_PORT, ENVOY_PORT],
  },
  'unannotated': { ip: '10.0.0.8', ports: [APP_PORT] },
  'pending': { ip: '10.0.0.9', phase: 'Pending', annotations: annotated(8080, '/metrics'), ports: [APP_PORT] },
  'unannotated-sidecar': { ip: '10.0.0.10', annotations: SIDECAR, ports: [APP_PORT, ENVOY_PORT] },
};

function config(mode: IstioScrapeMode): any {
  const chart = Testing.chart();
  new IstioPrometheusScrape(chart, 'prometheus', { mode });
  return YAML.parse(findOne(synthChart(chart), 'ConfigMap', 'prometheus').data['prometheus.yml']);
}

/** Every scrape of every pod job, as "job pod url". */
function routing(mode: IstioScrapeMode): string[] {
  const cfg = config(mode);
  const out: string[] = [];
  for (const job of cfg.scrape_configs.filter((j: any) => j.kubernetes_sd_configs)) {
    for (const [name, pod] of Object.entries(PODS)) {
      for (const s of scrapes(job, [{ ...pod, name }])) out.push(`${s.job} ${name} ${s.url}`);
    }
  }
  return out.sort();
}

describe('which job scrapes which pod', () => {
  test('MUTUAL_TLS mode: plain pods in plain text, opted-out sidecars over mTLS, Envoy statistics once per pod', () => {
    expect(routing(IstioScrapeMode.MUTUAL_TLS)).toEqual([
      'istio-envoy-stats mtls-false http://10.0.0.4:15090/stats/prometheus',
      'istio-envoy-stats opted-out http://10.0.0.3:15090/stats/prometheus',
      'istio-envoy-stats unannotated-sidecar http://10.0.0.10:15090/stats/prometheus',
      'kubernetes-pods https-app https://10.0.0.6:8443/metrics',
      'kubernetes-pods ipv6 http://[fd00::5]:8080/metrics',
      'kubernetes-pods merged http://10.0.0.2:15020/stats/prometheus',
      'kubernetes-pods merged-https-app http://10.0.0.7:15020/stats/prometheus',
      'kubernetes-pods merged-mtls-true http://10.0.0.11:15020/stats/prometheus',
      'kubernetes-pods mtls-false http://10.0.0.4:8080/metrics',
      'kubernetes-pods plain http://10.0.0.1:8080/metrics',
      'kubernetes-pods-istio-secure opted-out https://10.0.0.3:8080/metrics',
    ].sort());
  });

  test('METRICS_MERGING mode: every annotated running pod in plain text, at the address its annotations give', () => {
    expect(routing(IstioScrapeMode.METRICS_MERGING)).toEqual([
      'kubernetes-pods https-app https://10.0.0.6:8443/metrics',
      'kubernetes-pods ipv6 http://[fd00::5]:8080/metrics',
      'kubernetes-pods merged http://10.0.0.2:15020/stats/prometheus',
      'kubernetes-pods merged-https-app http://10.0.0.7:15020/stats/prometheus',
      'kubernetes-pods merged-mtls-true http://10.0.0.11:15020/stats/prometheus',
      'kubernetes-pods mtls-false http://10.0.0.4:8080/metrics',
      'kubernetes-pods opted-out http://10.0.0.3:8080/metrics',
      'kubernetes-pods plain http://10.0.0.1:8080/metrics',
    ].sort());
  });

  test('a kept target carries the pod\'s labels, namespace and name, and no temporary labels', () => {
    const job = config(IstioScrapeMode.MUTUAL_TLS).scrape_configs.find((j: any) => j.job_name === 'kubernetes-pods');
    const [s] = scrapes(job, [{ ...PODS.plain, name: 'plain-7d9f', namespace: 'shop' }]) as Scrape[];
    expect(s.labels).toEqual({ app: 'plain', namespace: 'shop', pod: 'plain-7d9f', job: 'kubernetes-pods' });
  });
});

describe('the relabel simulator itself', () => {
  // The routing tests are only as good as the simulator: these pin the Prometheus semantics it relies on.
  test('anchors the regex at both ends', () => {
    expect(relabel({ a: 'xtrue' }, [{ source_labels: ['a'], regex: 'true', action: 'keep' }])).toBeUndefined();
  });

  test('reads a missing label as "" and joins source labels with ";"', () => {
    expect(relabel({ b: '2' }, [{ source_labels: ['a', 'b'], regex: ';2', action: 'keep' }])).toEqual({ b: '2' });
  });

  test('leaves the target alone when a replace regex does not match', () => {
    expect(relabel({ a: 'x', t: 'kept' }, [{ source_labels: ['a'], regex: 'y', target_label: 't', replacement: 'new', action: 'replace' }])).toEqual({ a: 'x', t: 'kept' });
  });

  test('fails on an action it does not implement', () => {
    expect(() => relabel({}, [{ action: 'hashmod', target_label: 'x', modulus: 2 }])).toThrow('relabel simulator: action "hashmod" is not implemented');
  });
});
