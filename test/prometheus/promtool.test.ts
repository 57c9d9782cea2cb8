import { checkPrometheusConfig, kubernetesSdProblems, withoutKubernetesSd } from './promtool';

// The checks other tests rely on must be able to fail.
describe('the prometheus.yml check', () => {
  test('replaces kubernetes_sd_configs with static_configs for promtool, keeping everything else', () => {
    const config = { scrape_configs: [{ job_name: 'a', kubernetes_sd_configs: [{ role: 'pod' }], relabel_configs: [{ action: 'keep', regex: 'x' }] }] };
    expect(withoutKubernetesSd(config)).toEqual({ scrape_configs: [{ job_name: 'a', static_configs: [{ targets: [] }], relabel_configs: [{ action: 'keep', regex: 'x' }] }] });
  });

  test('reports an unknown role and unknown fields of a Kubernetes SD block', () => {
    expect(kubernetesSdProblems({ scrape_configs: [{ job_name: 'a', kubernetes_sd_configs: [{ role: 'pods', namespace: ['x'] }] }] })).toEqual([
      'job a kubernetes_sd_configs[0]: unknown field namespace',
      'job a kubernetes_sd_configs[0]: role "pods" is not one of pod, service, endpoints, endpointslice, node, ingress',
    ]);
  });

  test('fails a config whose SD block is wrong even though promtool accepts the rest', () => {
    const check = checkPrometheusConfig('scrape_configs:\n- job_name: a\n  kubernetes_sd_configs: [{role: pods}]\n');
    expect(check.ok).toBe(false);
    expect(check.output).toMatch(/FAILED \(kubernetes_sd\): job a kubernetes_sd_configs\[0\]: role "pods"/);
  });

  test('checks fallback_scrape_protocol (newer than this promtool) itself: a valid one passes, another fails', () => {
    const config = (protocol: string) => `scrape_configs:\n- job_name: a\n  fallback_scrape_protocol: ${protocol}\n  static_configs: [{targets: [x:1]}]\n`;
    expect(checkPrometheusConfig(config('PrometheusText0.0.4')).ok).toBe(true);
    const check = checkPrometheusConfig(config('PrometheusText0.0.5'));
    expect(check.ok).toBe(false);
    expect(check.output).toMatch(/job a: fallback_scrape_protocol "PrometheusText0.0.5" is not one of/);
  });

  test('runs promtool\'s full check: a client certificate without its key fails', () => {
    const check = checkPrometheusConfig('scrape_configs:\n- job_name: a\n  scheme: https\n  tls_config: {cert_file: /etc/prom-certs/cert-chain.pem}\n  static_configs: [{targets: [x:1]}]\n');
    expect(check.ok).toBe(false);
    expect(check.output).toMatch(/client cert file .* specified without client key file/);
  });
});
