import { ApiObject, App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { IngressCertificate, IngressHttpsGateway, IngressRoute, IssuerRef, ManifestValidation } from '../../src';
import { expectSchemaValid, findOne, synthChart } from '../harness';

function setup() {
  const chart = new Chart(Testing.app(), 'test');
  const app = new kplus.Deployment(chart, 'app', { metadata: { name: 'kayenta', namespace: 'canary' }, containers: [{ image: 'kayenta:1', portNumber: 8090 }] });
  const service = new kplus.Service(chart, 'service', { metadata: { name: 'kayenta', namespace: 'canary' }, selector: app, ports: [{ port: 8090, name: 'http' }] });
  const certificate = new IngressCertificate(chart, 'cert', { issuer: IssuerRef.clusterIssuer('letsencrypt-production'), dnsNames: ['*.cluster.example.com'] });
  return { chart, app, service, certificate };
}

describe('IngressCertificate', () => {
  test('puts the Certificate in the ingress gateway namespace with a name derived from the first DNS name', () => {
    const { chart } = setup();
    const objects = synthChart(chart);
    expect(findOne(objects, 'Certificate')).toEqual({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'tls-wildcard-cluster-example-com', namespace: 'istio-system' },
      spec: {
        dnsNames: ['*.cluster.example.com'],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-production' },
        secretName: 'tls-wildcard-cluster-example-com',
      },
    });
    expectSchemaValid(objects);
  });

  test('covers hosts one label below its wildcard only', () => {
    const { certificate } = setup();
    expect(certificate.covers('myapp.cluster.example.com')).toBe(true);
    expect(certificate.covers('cluster.example.com')).toBe(false);
    expect(certificate.covers('a.myapp.cluster.example.com')).toBe(false);
  });

  test('uses a namespaced Issuer and the ingress namespace given', () => {
    const chart = new Chart(Testing.app(), 'test');
    new IngressCertificate(chart, 'cert', {
      issuer: IssuerRef.issuer('internal-ca'), dnsNames: ['a.example.com'], name: 'tls-a', secretName: 'a-tls', ingressGateway: { namespace: 'istio-ingress' },
    });
    expect(findOne(synthChart(chart), 'Certificate')).toMatchObject({
      metadata: { name: 'tls-a', namespace: 'istio-ingress' },
      spec: { issuerRef: { kind: 'Issuer', name: 'internal-ca' }, secretName: 'a-tls' },
    });
  });

  test('fails without an issuer, or with an issuer name Kubernetes would refuse', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new IngressCertificate(chart, 'none', { issuer: undefined as unknown as IssuerRef, dnsNames: ['a.example.com'] }))
      .toThrow('test/none: issuer: received undefined; pass IssuerRef.clusterIssuer("letsencrypt-production") or IssuerRef.issuer(name)');
    expect(() => new IngressCertificate(chart, 'empty', { issuer: IssuerRef.clusterIssuer(''), dnsNames: ['a.example.com'] })).toThrow('test/empty: issuer.name: received ""');
    // checked by shape: an issuer of another copy of the library works
    const plain = new IngressCertificate(chart, 'plain', { issuer: { kind: 'ClusterIssuer', name: 'ca' }, dnsNames: ['b.example.com'] });
    expect(ApiObject.of(plain.certificate).toJson().spec.issuerRef).toEqual({ kind: 'ClusterIssuer', name: 'ca', group: 'cert-manager.io' });
  });

  test('fails without DNS names', () => {
    const chart = new Chart(Testing.app(), 'test');
    expect(() => new IngressCertificate(chart, 'cert', { issuer: IssuerRef.clusterIssuer('x'), dnsNames: [] }))
      .toThrow('test/cert: dnsNames: received no names; give the host names, or a wildcard such as "*.cluster.example.com"');
  });
});

describe('IngressRoute', () => {
  test('writes the destination FQDNs with the cluster domain given', () => {
    const { chart, service, certificate } = setup();
    new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, certificate, clusterDomain: 'k8s.example.com' });
    const vs = findOne(synthChart(chart), 'VirtualService');
    expect(vs.spec.http.map((h: any) => h.route[0].destination.host)).toEqual(['kayenta.canary.svc.k8s.example.com']);
    const bad = setup();
    expect(() => new IngressRoute(bad.chart, 'route', { host: 'kayenta.cluster.example.com', service: bad.service, certificate: bad.certificate, clusterDomain: 'https://k8s' }))
      .toThrow('test/route: clusterDomain: "https://k8s" is not a valid DNS-1123 subdomain');
  });

  test('exposes a Service through a Gateway and a VirtualService with a host-derived port name', () => {
    const { chart, service, certificate } = setup();
    const route = new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, certificate });
    const objects = synthChart(chart);
    expect(route.portName).toBe('https-kayenta-cluster-example-com');
    expect(findOne(objects, 'Gateway')).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'kayenta', namespace: 'canary' },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{
          hosts: ['kayenta.cluster.example.com'],
          port: { name: 'https-kayenta-cluster-example-com', number: 443, protocol: 'HTTPS' },
          tls: { mode: 'SIMPLE', credentialName: 'tls-wildcard-cluster-example-com', minProtocolVersion: 'TLSV1_2' },
        }],
      },
    });
    expect(findOne(objects, 'VirtualService').spec).toEqual({
      hosts: ['kayenta.cluster.example.com'],
      gateways: ['canary/kayenta'],
      http: [{ name: 'default', route: [{ destination: { host: 'kayenta.canary.svc.cluster.local', port: { number: 8090 } } }] }],
    });
    expectSchemaValid(objects);
  });

  test('httpsRedirect adds a port-80 server that redirects the host to HTTPS', () => {
    const { chart, service, certificate } = setup();
    const route = new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, certificate, httpsRedirect: true });
    const objects = synthChart(chart);
    expect(findOne(objects, 'Gateway').spec.servers).toEqual([
      {
        hosts: ['kayenta.cluster.example.com'],
        port: { name: 'https-kayenta-cluster-example-com', number: 443, protocol: 'HTTPS' },
        tls: { mode: 'SIMPLE', credentialName: 'tls-wildcard-cluster-example-com', minProtocolVersion: 'TLSV1_2' },
      },
      { hosts: ['kayenta.cluster.example.com'], port: { name: 'http-kayenta-cluster-example-com', number: 80, protocol: 'HTTP' }, tls: { httpsRedirect: true } },
    ]);
    expect(route.portName).toBe('https-kayenta-cluster-example-com');
    expectSchemaValid(objects);
    // the wiring checks take the redirecting server as it is (no certificate, an http- port name)
    const report = ManifestValidation.validateApp(chart.node.root as App);
    expect(report.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
    // off by default
    const plain = setup();
    new IngressRoute(plain.chart, 'route', { host: 'kayenta.cluster.example.com', service: plain.service, certificate: plain.certificate });
    expect(findOne(synthChart(plain.chart), 'Gateway').spec.servers.map((srv: any) => srv.port.number)).toEqual([443]);
  });

  test('routes path prefixes to other Services before the default route', () => {
    const { chart, service, certificate } = setup();
    const other = new kplus.Service(chart, 'other', { metadata: { name: 'auth', namespace: 'canary' }, ports: [{ port: 4180 }] });
    new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, certificate, pathRoutes: [{ pathPrefix: '/oauth2/', service: other }] });
    expect(findOne(synthChart(chart), 'VirtualService').spec.http).toEqual([
      { name: 'auth-0', match: [{ uri: { prefix: '/oauth2/' } }], route: [{ destination: { host: 'auth.canary.svc.cluster.local', port: { number: 4180 } } }] },
      { name: 'default', route: [{ destination: { host: 'kayenta.canary.svc.cluster.local', port: { number: 8090 } } }] },
    ]);
  });

  test('matches an exact path, and redirects the whole host elsewhere when asked (then without path routes)', () => {
    const { chart, service, certificate } = setup();
    const other = new kplus.Service(chart, 'other', { metadata: { name: 'auth', namespace: 'canary' }, ports: [{ port: 4180 }] });
    new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, certificate, pathRoutes: [{ pathPrefix: '/robots.txt', exact: true, service: other }] });
    new IngressRoute(chart, 'moved', { host: 'old.cluster.example.com', service, certificate, name: 'old', redirectHost: 'kayenta.cluster.example.com' });
    const objects = synthChart(chart);
    expect(findOne(objects, 'VirtualService', 'kayenta').spec.http[0].match).toEqual([{ uri: { exact: '/robots.txt' } }]);
    expect(findOne(objects, 'VirtualService', 'old').spec.http).toEqual([{ name: 'redirect', redirect: { authority: 'kayenta.cluster.example.com' } }]);
    expectSchemaValid(objects);
    expect(() => new IngressRoute(chart, 'both', { host: 'x.cluster.example.com', service, certificate, name: 'x', redirectHost: 'kayenta.cluster.example.com', pathRoutes: [{ pathPrefix: '/a/', service: other }] }))
      .toThrow('test/both: pathRoutes: is set together with redirectHost, which answers every request with a redirect; drop pathRoutes, or redirectHost');
    expect(() => new IngressRoute(chart, 'bad', { host: 'y.cluster.example.com', service, certificate, name: 'y', redirectHost: 'not a host' }))
      .toThrow('test/bad: redirectHost: "not a host"');
    expect(() => new IngressRoute(chart, 'loop', { host: 'z.cluster.example.com', service, certificate, name: 'z', redirectHost: 'z.cluster.example.com' }))
      .toThrow('test/loop: redirectHost: "z.cluster.example.com" is the route\'s own host, which would redirect every request to itself; redirect to another host, or drop redirectHost');
  });

  test('refuses a second route whose VirtualService would take the same name (both named after the Service by default)', () => {
    const { chart, service, certificate } = setup();
    new IngressRoute(chart, 'main', { host: 'kayenta.cluster.example.com', service, certificate });
    expect(() => new IngressRoute(chart, 'www', { host: 'www.cluster.example.com', service, certificate }))
      .toThrow('test/www: name: "kayenta" in namespace "canary" is already the name of IngressRoute test/main\'s VirtualService (a route\'s name defaults to its Service\'s); give each route of a Service its own name');
    // with its own name it is fine, and a route that failed took no name
    expect(() => new IngressRoute(chart, 'bad', { host: 'not a host', service, certificate, name: 'www' })).toThrow('test/bad: host:');
    new IngressRoute(chart, 'www2', { host: 'www.cluster.example.com', service, certificate, name: 'www' });
    expect(synthChart(chart).filter((o: any) => o.kind === 'VirtualService').map((o: any) => o.metadata.name).sort()).toEqual(['kayenta', 'www']);
  });

  test('emits networking.istio.io/v1beta1 for Istio releases before 1.22', () => {
    const { chart, service, certificate } = setup();
    new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, certificate, istioVersion: '1.21.2' });
    const objects = synthChart(chart);
    expect(findOne(objects, 'Gateway').apiVersion).toBe('networking.istio.io/v1beta1');
    expect(findOne(objects, 'VirtualService').apiVersion).toBe('networking.istio.io/v1beta1');
    expectSchemaValid(objects);
  });

  test('fails when the certificate does not cover the host', () => {
    const { chart, service, certificate } = setup();
    expect(() => new IngressRoute(chart, 'route', { host: 'kayenta.example.com', service, certificate }))
      .toThrow('test/route: host: "kayenta.example.com" is not covered by Certificate istio-system/tls-wildcard-cluster-example-com (dnsNames: *.cluster.example.com); a "*." wildcard covers exactly one label; use a host the certificate covers or add the host to its dnsNames');
  });

  test('fails when the certificate was made for another ingress namespace', () => {
    const { chart, service, certificate } = setup();
    expect(() => new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, certificate, ingressGateway: { namespace: 'istio-ingress' } }))
      .toThrow('test/route: certificate: Certificate istio-system/tls-wildcard-cluster-example-com writes Secret "tls-wildcard-cluster-example-com" to namespace "istio-system", but the ingress gateway runs in "istio-ingress" and reads credentialName Secrets only from there; create the certificate with ingressGateway.namespace "istio-ingress"');
  });

  test('fails when the Service has several ports and none is chosen', () => {
    const { chart, app, certificate } = setup();
    const service = new kplus.Service(chart, 'two', { metadata: { name: 'two', namespace: 'canary' }, selector: app, ports: [{ port: 80 }, { port: 9090 }] });
    expect(() => new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, certificate }))
      .toThrow('test/route: service.port: Service "two" has several ports (80, 9090); say which Service port to route to');
  });

  test('fails when the Service namespace is unknown', () => {
    const { chart, certificate } = setup();
    const service = new kplus.Service(chart, 'nons', { metadata: { name: 'nons' }, ports: [{ port: 80 }] });
    expect(() => new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, certificate }))
      .toThrow('test/route: service: Service "nons" has no namespace (neither metadata.namespace nor its chart\'s namespace); set metadata.namespace on the Service so its FQDN is known');
  });

  test('fails on an Istio release older than 1.6', () => {
    const { chart, service, certificate } = setup();
    expect(() => new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, certificate, istioVersion: '1.5' }))
      .toThrow('test/route: istioVersion: Istio 1.5 is older than 1.6, the oldest release this library emits objects for; upgrade Istio or pin an older version of this library');
  });
});

describe('IngressHttpsGateway', () => {
  function shared() {
    const s = setup();
    const other = new kplus.Service(s.chart, 'other', { metadata: { name: 'referee', namespace: 'canary' }, selector: s.app, ports: [{ port: 8080 }] });
    const gateway = new IngressHttpsGateway(s.chart, 'gateway', {
      hosts: ['kayenta.cluster.example.com', 'referee.cluster.example.com'], certificate: s.certificate, namespace: 'canary', name: 'canary',
    });
    return { ...s, other, gateway };
  }

  test('serves every host from one HTTPS server, and each route adds only a VirtualService bound to it', () => {
    const { chart, service, other, gateway } = shared();
    const a = new IngressRoute(chart, 'a', { host: 'kayenta.cluster.example.com', service, sharedGateway: gateway });
    const b = new IngressRoute(chart, 'b', { host: 'referee.cluster.example.com', service: other, sharedGateway: gateway });
    const objects = synthChart(chart);
    expect(objects.filter((o) => o.kind === 'Gateway')).toHaveLength(1);
    expect(findOne(objects, 'Gateway')).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'canary', namespace: 'canary' },
      spec: {
        selector: { istio: 'ingressgateway' },
        servers: [{
          hosts: ['kayenta.cluster.example.com', 'referee.cluster.example.com'],
          port: { name: 'https-kayenta-cluster-example-com', number: 443, protocol: 'HTTPS' },
          tls: { mode: 'SIMPLE', credentialName: 'tls-wildcard-cluster-example-com', minProtocolVersion: 'TLSV1_2' },
        }],
      },
    });
    expect(findOne(objects, 'VirtualService', 'kayenta').spec).toMatchObject({ hosts: ['kayenta.cluster.example.com'], gateways: ['canary/canary'] });
    expect(findOne(objects, 'VirtualService', 'referee').spec).toMatchObject({ hosts: ['referee.cluster.example.com'], gateways: ['canary/canary'] });
    expect([a.gateway, b.gateway]).toEqual([gateway.gateway, gateway.gateway]);
    expect([a.portName, b.portName]).toEqual([gateway.portName, gateway.portName]);
    expectSchemaValid(objects);
  });

  test('gives the routes bound to it the apiVersion of its Istio release', () => {
    const { chart, service, certificate } = setup();
    const gateway = new IngressHttpsGateway(chart, 'gateway', { hosts: ['kayenta.cluster.example.com'], certificate, namespace: 'canary', name: 'canary', istioVersion: '1.21' });
    new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service, sharedGateway: gateway });
    const objects = synthChart(chart);
    expect(objects.filter((o) => ['Gateway', 'VirtualService'].includes(o.kind)).map((o) => o.apiVersion)).toEqual(['networking.istio.io/v1beta1', 'networking.istio.io/v1beta1']);
  });

  test('fails without hosts, with a host twice, or with a host its certificate does not cover', () => {
    const { chart, certificate } = setup();
    const make = (hosts: string[]) => () => new IngressHttpsGateway(chart, `gateway-${hosts.join('-')}`, { hosts, certificate, namespace: 'canary', name: 'canary' });
    expect(make([])).toThrow('hosts: received no hosts; give the host names the certificate covers, e.g. ["myapp.example.com", "oauth.example.com"]');
    expect(make(['a.cluster.example.com', 'a.cluster.example.com'])).toThrow('hosts[1]: "a.cluster.example.com" is hosts[0] again; give each host once');
    expect(make(['a.cluster.example.com', 'a.example.com'])).toThrow('hosts[1]: "a.example.com" is not covered by Certificate istio-system/tls-wildcard-cluster-example-com');
    expect(make(['*.cluster.example.com'])).toThrow('hosts[0]: "*.cluster.example.com" is a wildcard');
  });

  test('fails when its certificate was made for another ingress namespace', () => {
    const { chart, certificate } = setup();
    expect(() => new IngressHttpsGateway(chart, 'gateway', { hosts: ['a.cluster.example.com'], certificate, namespace: 'canary', name: 'canary', ingressGateway: { namespace: 'istio-ingress' } }))
      .toThrow('test/gateway: certificate: Certificate istio-system/tls-wildcard-cluster-example-com writes Secret "tls-wildcard-cluster-example-com" to namespace "istio-system", but the ingress gateway runs in "istio-ingress"');
  });

  test('refuses a route for a host it does not serve, and a second route for a host', () => {
    const { chart, service, gateway } = shared();
    expect(() => new IngressRoute(chart, 'a', { host: 'other.cluster.example.com', service, sharedGateway: gateway }))
      .toThrow('test/a: host: "other.cluster.example.com" is not a host of Gateway canary/canary (hosts: kayenta.cluster.example.com, referee.cluster.example.com); add the host to the hosts of test/gateway, or route one of its hosts');
    new IngressRoute(chart, 'b', { host: 'kayenta.cluster.example.com', service, sharedGateway: gateway });
    expect(() => new IngressRoute(chart, 'c', { host: 'kayenta.cluster.example.com', service, name: 'again', sharedGateway: gateway }))
      .toThrow('test/c: host: "kayenta.cluster.example.com" already has a route on Gateway canary/canary (test/b); istiod would merge the two VirtualServices\' routes in the order the objects were created in the cluster, which the manifests don\'t decide');
  });

  test('refuses a route that also gives what the shared Gateway decides', () => {
    const { chart, service, certificate, gateway } = shared();
    const host = 'kayenta.cluster.example.com';
    expect(() => new IngressRoute(chart, 'a', { host, service, sharedGateway: gateway, certificate }))
      .toThrow('test/a: certificate: received test/cert together with sharedGateway canary/canary, which decides it; leave certificate out, or set it on the IngressHttpsGateway test/gateway');
    expect(() => new IngressRoute(chart, 'b', { host, service, sharedGateway: gateway, istioVersion: '1.29' })).toThrow('test/b: istioVersion: received "1.29" together with sharedGateway');
    expect(() => new IngressRoute(chart, 'c', { host, service, sharedGateway: gateway, ingressGateway: { namespace: 'istio-system' } })).toThrow('test/c: ingressGateway: received {"namespace":"istio-system"} together with sharedGateway');
    expect(() => new IngressRoute(chart, 'd', { host, service, sharedGateway: gateway, httpsRedirect: true })).toThrow(
      'test/d: httpsRedirect: received true together with sharedGateway canary/canary, which decides it; leave httpsRedirect out, or set it on the IngressHttpsGateway test/gateway');
  });

  test('httpsRedirect redirects every host of the server; it must be a boolean', () => {
    const { chart, certificate } = setup();
    const gateway = new IngressHttpsGateway(chart, 'gateway', {
      hosts: ['kayenta.cluster.example.com', 'referee.cluster.example.com'], certificate, namespace: 'canary', name: 'canary', httpsRedirect: true,
    });
    expect(gateway.httpsRedirect).toBe(true);
    expect(findOne(synthChart(chart), 'Gateway').spec.servers[1]).toEqual({
      hosts: ['kayenta.cluster.example.com', 'referee.cluster.example.com'],
      port: { name: 'http-kayenta-cluster-example-com', number: 80, protocol: 'HTTP' },
      tls: { httpsRedirect: true },
    });
    expect(() => new IngressHttpsGateway(chart, 'bad', { hosts: ['a.cluster.example.com'], certificate, namespace: 'canary', name: 'other', httpsRedirect: 'yes' as any }))
      .toThrow('test/bad: httpsRedirect: received "yes"; give true or false');
  });

  test('fails on input of the wrong type: hosts that are not a list, a missing certificate, a sharedGateway that is not one, bad names', () => {
    const { chart, service, certificate } = setup();
    const props = { hosts: ['a.cluster.example.com'], certificate, namespace: 'canary', name: 'canary' };
    expect(() => new IngressHttpsGateway(chart, 'g1', { ...props, hosts: 'a.cluster.example.com' as any }))
      .toThrow('test/g1: hosts: received "a.cluster.example.com"; give the host names the certificate covers');
    expect(() => new IngressHttpsGateway(chart, 'g2', { ...props, certificate: undefined as any }))
      .toThrow('test/g2: certificate: received undefined; give the IngressCertificate that covers the hosts');
    expect(() => new IngressHttpsGateway(chart, 'g3', { ...props, namespace: 'Canary' })).toThrow('test/g3: namespace: "Canary" is not a valid');
    expect(() => new IngressHttpsGateway(chart, 'g4', { ...props, name: 'canary_gw' })).toThrow('test/g4: name: "canary_gw" is not a valid');
    expect(() => new IngressRoute(chart, 'route', { host: 'a.cluster.example.com', service, sharedGateway: { reference: 'canary/canary' } as any }))
      .toThrow('test/route: sharedGateway: received {"reference":"canary/canary"}; pass an IngressHttpsGateway');
  });

  test('a route needs a certificate or a shared Gateway', () => {
    const { chart, service } = setup();
    expect(() => new IngressRoute(chart, 'route', { host: 'kayenta.cluster.example.com', service }))
      .toThrow('test/route: certificate: received undefined; give the certificate that covers the host, or a sharedGateway that serves it');
  });
});
