import { Testing } from 'cdk8s';
import { KAYENTA_INGRESS_GATEWAY } from '../../examples/kayenta';
import { buildExamples } from '../../examples/main';
import { WiringChecks } from '../../src';
import { synthApp } from '../harness';

describe('the wiring checks over the whole examples app', () => {
  test('find nothing wrong in what every construct of the library synthesizes', () => {
    // the Istio installation the examples assume: the default ingress gateway, and the second one
    // that serves the Kayenta API behind oauth2-proxy
    const ingressGateways = [{ namespace: 'istio-system', labels: { istio: 'ingressgateway' } }, KAYENTA_INGRESS_GATEWAY];
    const report = WiringChecks.analyze(synthApp(buildExamples(Testing.app())), { ingressGateways });
    expect(report.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
    expect(report.checkedCount).toBeGreaterThan(0);
  });
});
