import { Testing } from 'cdk8s';
import { OAuth2ProxyChart } from '../../examples/oauth2-proxy';
import { ExtAuthzMode } from '../../src';
import { customPolicy, expectSchemaValid, findOne, synthChart } from '../harness';

describe('the oauth2-proxy example (seed 001, part 3)', () => {
  test('protects myapp.cluster.example.com with oauth2-proxy under its /oauth2/ path (oauth.cluster.example.com redirects there) through AuthorizationPolicy CUSTOM', () => {
    const chart = new OAuth2ProxyChart(Testing.app(), 'oauth2-proxy');
    const objects = synthChart(chart);
    // one Gateway server for both hosts of the wildcard certificate (IST0138)
    expect(objects.filter((o) => o.kind === 'Gateway').map((g) => [g.metadata.name, g.spec.servers.map((s: any) => s.hosts)]))
      .toEqual([['myapp', [['myapp.cluster.example.com', 'oauth.cluster.example.com']]]]);
    expect(findOne(objects, 'Certificate')).toMatchObject({ metadata: { name: 'tls-myapp-production', namespace: 'istio-system' }, spec: { dnsNames: ['*.cluster.example.com'] } });
    expect(customPolicy(objects).spec.provider).toEqual({ name: 'oauth2-proxy-myapp' });
    expect(objects.filter((o) => o.kind === 'EnvoyFilter').map((o) => o.metadata.name)).toEqual(['ext-authz-myapp-myapp-identity-headers']);
    expect(chart.auth.redirectUrl).toBe('https://myapp.cluster.example.com/oauth2/callback');
    expectSchemaValid(objects);
  });

  test('uses the seed\'s EnvoyFilter instead in ENVOY_FILTER mode', () => {
    const chart = new OAuth2ProxyChart(Testing.app(), 'oauth2-proxy', { mode: ExtAuthzMode.ENVOY_FILTER });
    const objects = synthChart(chart);
    expect(findOne(objects, 'EnvoyFilter').spec.configPatches[0].match.listener.filterChain.sni).toBe('myapp.cluster.example.com');
    expect(objects.filter((o) => o.kind === 'AuthorizationPolicy' && o.spec.action === 'CUSTOM')).toEqual([]);
    expectSchemaValid(objects);
  });
});
