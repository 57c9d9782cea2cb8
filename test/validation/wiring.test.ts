import { pick, seedManifests } from './wiring-fixtures';
import { WiringChecks, WiringRule, WiringSeverity } from '../../src';

/** The findings of one rule, as `rule: message; fix` lines. */
function lines(manifests: any[], context = {}): string[] {
  return WiringChecks.check(manifests, context).map((f) => `${f.rule}: ${f.message}; ${f.fix}`);
}

describe('the wiring checks', () => {
  test('find nothing wrong in the seed scenario wired correctly', () => {
    expect(lines(seedManifests())).toEqual([]);
  });

  test('count the objects they read and the kinds they ignore', () => {
    const report = WiringChecks.analyze([...seedManifests(), 'junk', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }]);
    expect(report.checkedCount).toBe(11);
    expect(report.ignoredCount).toBe(3);
    expect(report.ignoredKinds).toEqual({ 'Namespace': 1, 'ConfigMap': 1, '<not an object>': 1 });
  });

  test('report the references that resolved as links', () => {
    const links = WiringChecks.analyze(seedManifests()).links.map((l) => `${l.source.kind} ${l.source.name} ${l.relation} ${l.target.kind} ${l.target.namespace}/${l.target.name}`);
    expect(links).toEqual(expect.arrayContaining([
      'Gateway myapp selects Pod istio-system/{app=istio-ingressgateway, istio=ingressgateway}',
      'Gateway myapp credential Certificate istio-system/tls-myapp-production',
      'VirtualService myapp binds Gateway myapp/myapp',
      'VirtualService myapp routes Service myapp/myapp',
      'Service myapp selects Deployment myapp/myapp',
      'AuthorizationPolicy myapp-oauth2-proxy protects Pod istio-system/{app=istio-ingressgateway, istio=ingressgateway}',
    ]));
  });

  test('are reachable from every jsii language as WiringChecks.check and WiringChecks.analyze', () => {
    const m = seedManifests();
    pick(m, 'Gateway', 'myapp').spec.selector = { istio: 'ingres' };
    expect(WiringChecks.check(m).map((f) => f.rule)).toEqual([WiringRule.GATEWAY_SELECTOR]);
    expect(WiringChecks.analyze(m).checkedCount).toBe(11);
  });

  describe('gateway-selector', () => {
    /** The seed's manifests plus a Deployment gw in namespace edge with `template`, selected by Gateway myapp. */
    function withEdgeGateway(template: any): any[] {
      const m = seedManifests();
      m.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gw', namespace: 'edge' }, spec: { template } });
      pick(m, 'Gateway', 'myapp').spec.selector = { app: 'edge-gw' };
      return m;
    }

    test('fires when a Gateway selects labels no ingress gateway has', () => {
      const m = seedManifests();
      pick(m, 'Gateway', 'myapp').spec.selector = { istio: 'ingress' };
      expect(lines(m)).toEqual([
        'gateway-selector: Gateway myapp/myapp selects pods labelled {istio=ingress}, but no ingress gateway has these labels (ingress gateway pods istio-system/{app=istio-ingressgateway, istio=ingressgateway}; '
        + 'egress gateway pods istio-system/{app=istio-egressgateway, istio=egressgateway}); set spec.selector to {app=istio-ingressgateway, istio=ingressgateway}, the labels of the ingress gateway pods istio-system/{app=istio-ingressgateway, istio=ingressgateway}'
        + '; these checks assumed Istio\'s default gateway pods (istio-system, istio=ingressgateway): if yours run elsewhere (the istio/gateway chart\'s usual install is namespace istio-ingress, istio=ingress), describe them in ingressGateways',
      ]);
      // a warning while the gateways are Istio's defaults (assumed), an error once they are given
      expect(WiringChecks.check(m).map((f) => f.severity)).toEqual([WiringSeverity.WARNING]);
      const given = { ingressGateways: [{ namespace: 'istio-system', labels: { istio: 'ingressgateway' } }] };
      expect(WiringChecks.check(m, given).map((f) => `${f.severity} ${f.rule}`)).toEqual(['error gateway-selector']);
      expect(WiringChecks.check(m, given)[0].fix).toBe('set spec.selector to {istio=ingressgateway}, the labels of the ingress gateway pods istio-system/{istio=ingressgateway}');
      // the istio/gateway chart's usual install, once described: the selector is right, the Secret's namespace is not
      const chart = { ingressGateways: [{ namespace: 'istio-ingress', labels: { app: 'istio-ingress', istio: 'ingress' } }] };
      expect(lines(m, chart).filter((l) => l.includes('myapp/myapp '))).toEqual([
        'credential-name: Gateway myapp/myapp serves credentialName "tls-myapp-production" from the ingress gateway in namespace "istio-ingress", but Certificate istio-system/tls-myapp-production puts that Secret in namespace "istio-system"; '
        + 'the gateway reads Secrets only from its own namespace; create Certificate tls-myapp-production in namespace "istio-ingress"',
      ]);
    });

    test('knows the labels of Istio\'s default gateways: istio and app, ingress and egress', () => {
      const m = seedManifests();
      pick(m, 'Gateway', 'myapp').spec.selector = { app: 'istio-ingressgateway', istio: 'ingressgateway' };
      expect(lines(m)).toEqual([]);
      pick(m, 'Gateway', 'myapp').spec.selector = { istio: 'egressgateway' };
      expect(lines(m).filter((l) => l.startsWith('gateway-selector'))).toEqual([]);
    });

    test('fires when a Gateway selects the app\'s pods instead of a gateway\'s (seed 001\'s troubleshooting list)', () => {
      const m = seedManifests();
      pick(m, 'Gateway', 'myapp').spec.selector = { ...pick(m, 'Deployment', 'myapp').spec.template.metadata.labels };
      expect(lines(m).filter((l) => l.startsWith('gateway-selector'))).toEqual([
        'gateway-selector: Gateway myapp/myapp selects pods labelled {app.kubernetes.io/name=myapp}, which are the pods of Deployment myapp/myapp, not an Istio gateway; '
        + 'a Gateway configures the gateway proxies its selector picks, and routes to the app through a VirtualService; '
        + 'set spec.selector to {app=istio-ingressgateway, istio=ingressgateway}, the labels of the ingress gateway pods istio-system/{app=istio-ingressgateway, istio=ingressgateway}',
      ]);
    });

    test('recognises a gateway deployed with istioctl\'s proxy image', () => {
      const m = withEdgeGateway({ metadata: { labels: { app: 'edge-gw' } }, spec: { containers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.30.3', args: ['router'] }] } });
      expect(WiringChecks.check(m).filter((f) => f.rule === WiringRule.GATEWAY_SELECTOR)).toEqual([]);
      // and vendor builds of it
      for (const image of ['registry.redhat.io/openshift-service-mesh/proxyv2-rhel9:2.6', 'registry.redhat.io/openshift-service-mesh/istio-proxyv2-rhel9:1.24']) {
        const vendor = withEdgeGateway({ metadata: { labels: { app: 'edge-gw' } }, spec: { containers: [{ name: 'istio-proxy', image, args: ['router'] }] } });
        expect(WiringChecks.check(vendor).filter((f) => f.rule === WiringRule.GATEWAY_SELECTOR)).toEqual([]);
      }
      // an app image that merely starts with the word is not one
      const app = withEdgeGateway({ metadata: { labels: { app: 'edge-gw' } }, spec: { containers: [{ name: 'app', image: 'example/proxyv2tool:1' }] } });
      expect(WiringChecks.check(app).map((f) => f.rule)).toContain(WiringRule.GATEWAY_SELECTOR);
    });

    test('uses the ingress gateways given in the context', () => {
      const m = seedManifests();
      const context = { ingressGateways: [{ namespace: 'istio-ingress', labels: { app: 'gateway' } }] };
      expect(WiringChecks.check(m, context).filter((f) => f.rule === WiringRule.GATEWAY_SELECTOR)).toHaveLength(2);
    });

    test('accepts a gateway workload that is part of the manifests', () => {
      // the istio/gateway chart: image auto, filled in by the gateway injection template
      const m = withEdgeGateway({
        metadata: { labels: { app: 'edge-gw' }, annotations: { 'inject.istio.io/templates': 'gateway' } }, spec: { containers: [{ name: 'istio-proxy', image: 'auto' }] },
      });
      const findings = WiringChecks.check(m);
      expect(findings.filter((f) => f.rule === WiringRule.GATEWAY_SELECTOR)).toEqual([]);
      // the certificate now has to be in the namespace of that gateway workload
      expect(findings.find((f) => f.rule === WiringRule.CREDENTIAL_NAME)?.message).toMatch(/from the ingress gateway in namespace "edge"/);
    });
  });

  describe('virtualservice-gateway', () => {
    test('fires when a VirtualService names a Gateway that does not exist', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.gateways = ['my-app'];
      expect(lines(m)).toEqual([
        'virtualservice-gateway: VirtualService myapp/myapp binds to Gateway myapp/my-app, which doesn\'t exist (a gateway name without "namespace/" means the VirtualService\'s own namespace); create Gateway myapp/my-app or fix the name in spec.gateways (or set assumeExternalObjects if the Gateway is managed outside these manifests, e.g. a shared platform Gateway)',
      ]);
    });

    test('only warns about a Gateway in a namespace the manifests hold nothing of (a shared platform Gateway)', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.gateways = ['platform-ingress/public'];
      const findings = WiringChecks.check(m).filter((f) => f.rule === WiringRule.VIRTUALSERVICE_GATEWAY);
      expect(findings.map((f) => `${f.severity}: ${f.message}`)).toEqual([
        'warning: VirtualService myapp/myapp binds to Gateway platform-ingress/public, which doesn\'t exist in these manifests, which hold no Gateway, VirtualService, Service, ServiceEntry or workload of namespace "platform-ingress"',
      ]);
      // the app's Certificate and AuthorizationPolicy in the gateway's namespace (where the gateway
      // reads them) don't make it the manifests' own: still a warning
      pick(m, 'VirtualService', 'myapp').spec.gateways = ['istio-system/public'];
      const severities = () => WiringChecks.check(m).filter((f) => f.rule === WiringRule.VIRTUALSERVICE_GATEWAY).map((f) => f.severity);
      expect(severities()).toEqual([WiringSeverity.WARNING]);
      // a namespace the manifests hold Gateways, routes, Services or workloads of: an error
      m.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'edge', namespace: 'istio-system' }, spec: { ports: [{ port: 80 }] } });
      expect(severities()).toEqual([WiringSeverity.ERROR]);
    });

    test('resolves a short gateway name in the VirtualService\'s namespace and names the Gateway of another namespace', () => {
      const m = seedManifests();
      const vs = pick(m, 'VirtualService', 'myapp');
      vs.metadata.namespace = 'other';
      vs.spec.http[0].route[0].destination.host = 'myapp.myapp.svc.cluster.local';
      expect(lines(m)).toEqual([
        'virtualservice-gateway: VirtualService other/myapp binds to Gateway other/myapp, which doesn\'t exist; Gateway myapp/myapp has that name in another namespace (a gateway name without "namespace/" means the VirtualService\'s own namespace); write the gateway as "myapp/myapp"',
      ]);
    });

    test('resolves the gateway reference forms istiod accepts: ./name, name.ns and name.ns.svc.cluster.local', () => {
      for (const ref of ['./myapp', 'myapp.myapp', 'myapp.myapp.svc.cluster.local']) {
        const m = seedManifests();
        pick(m, 'VirtualService', 'myapp').spec.gateways = [ref];
        expect({ ref, findings: lines(m) }).toEqual({ ref, findings: [] });
      }
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.gateways = ['myapp.other'];
      expect(lines(m)).toEqual([
        'virtualservice-gateway: VirtualService myapp/myapp binds to Gateway other/myapp, which doesn\'t exist; Gateway myapp/myapp has that name in another namespace; write the gateway as "myapp/myapp"',
      ]);
    });

    test('accepts namespace/name references across namespaces', () => {
      const m = seedManifests();
      const vs = pick(m, 'VirtualService', 'myapp');
      vs.metadata.namespace = 'other';
      vs.spec.gateways = ['myapp/myapp'];
      vs.spec.http[0].route[0].destination.host = 'myapp.myapp.svc.cluster.local';
      expect(lines(m)).toEqual([]);
    });

    test('checks gateways named in route matches and ignores "mesh"', () => {
      const m = seedManifests();
      const vs = pick(m, 'VirtualService', 'myapp');
      vs.spec.gateways = ['mesh', 'myapp'];
      vs.spec.http[0].match = [{ gateways: ['istio-system/public'] }];
      const findings = WiringChecks.check(m);
      expect(findings.map((f) => [f.rule, f.path])).toEqual([[WiringRule.VIRTUALSERVICE_GATEWAY, '/spec/http/0/match/0/gateways/0']]);
    });
  });

  describe('host-mismatch', () => {
    test('fires when a VirtualService routes a host its Gateway does not serve', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.hosts = ['myapp.example.com'];
      expect(lines(m)).toEqual([
        'host-mismatch: VirtualService myapp/myapp routes host "myapp.example.com", but Gateway myapp/myapp serves only "myapp.cluster.example.com"; make the VirtualService host and the Gateway server host the same full host name',
      ]);
    });

    test('honours the namespace part of Gateway hosts', () => {
      const m = seedManifests();
      pick(m, 'Gateway', 'myapp').spec.servers[0].hosts = ['other/myapp.cluster.example.com'];
      expect(lines(m)).toEqual([
        'host-mismatch: VirtualService myapp/myapp routes host "myapp.cluster.example.com", but Gateway myapp/myapp serves only "myapp.cluster.example.com" to other namespaces than "myapp"; make the VirtualService host and the Gateway server host the same full host name',
      ]);
    });

    test('fires when a Gateway serves a host its certificate does not cover', () => {
      const m = seedManifests();
      const gw = pick(m, 'Gateway', 'myapp');
      gw.spec.servers[0].hosts = ['myapp.example.com'];
      pick(m, 'VirtualService', 'myapp').spec.hosts = ['myapp.example.com'];
      pick(m, 'AuthorizationPolicy', 'myapp-oauth2-proxy').spec.rules[0].to[0].operation.hosts = ['myapp.example.com'];
      expect(lines(m)).toEqual([
        'host-mismatch: Gateway myapp/myapp serves host "myapp.example.com" with the certificate of Certificate istio-system/tls-myapp-production, which covers only "myapp.cluster.example.com"; add "myapp.example.com" to the Certificate\'s dnsNames (a "*." wildcard covers one label) or serve another host',
      ]);
    });

    test('treats a wildcard certificate as covering exactly one label', () => {
      const m = seedManifests();
      for (const kind of ['Gateway', 'VirtualService']) {
        const o = pick(m, kind, 'oauth2-proxy');
        if (kind === 'Gateway') o.spec.servers[0].hosts = ['a.oauth.cluster.example.com'];
        else o.spec.hosts = ['a.oauth.cluster.example.com'];
      }
      expect(WiringChecks.check(m).map((f) => [f.rule, f.subject.kind])).toEqual([[WiringRule.HOST_MISMATCH, 'Gateway']]);
    });

    test('fires when an AuthorizationPolicy on the ingress protects a host no Gateway serves', () => {
      const m = seedManifests();
      pick(m, 'AuthorizationPolicy', 'myapp-oauth2-proxy').spec.rules[0].to[0].operation.hosts = ['myap.cluster.example.com'];
      expect(lines(m)).toEqual([
        'host-mismatch: AuthorizationPolicy istio-system/myapp-oauth2-proxy applies to host "myap.cluster.example.com" on the ingress gateway pods istio-system/{app=istio-ingressgateway, istio=ingressgateway}, but the Gateways of that ingress (Gateway myapp/myapp, Gateway myapp/oauth2-proxy) serve only "myapp.cluster.example.com", "oauth.cluster.example.com"; use the host the Gateway serves in the policy\'s hosts, or serve "myap.cluster.example.com" from a Gateway',
      ]);
      // with external objects assumed, another Gateway of the ingress may serve the host: a warning
      expect(WiringChecks.check(m, { assumeExternalObjects: true }).map((f) => `${f.severity} ${f.rule}`)).toEqual(['warning host-mismatch']);
      // and without any Gateway of that ingress in the manifests, nothing to compare with
      expect(lines(m.filter((o: any) => o.kind !== 'Gateway'), { assumeExternalObjects: true }).filter((l) => l.startsWith('host-mismatch'))).toEqual([]);
    });

    test('reads a policy in the root namespace (istio-system) as one on the ingress pods it selects in any namespace', () => {
      const context = { ingressGateways: [{ namespace: 'istio-ingress', labels: { istio: 'ingressgateway' } }] };
      const m = seedManifests();
      pick(m, 'AuthorizationPolicy', 'myapp-oauth2-proxy').spec.rules[0].to[0].operation.hosts = ['myap.cluster.example.com'];
      expect(WiringChecks.check(m, context).filter((f) => f.rule === WiringRule.HOST_MISMATCH && f.subject.kind === 'AuthorizationPolicy').map((f) => f.message)).toEqual([
        'AuthorizationPolicy istio-system/myapp-oauth2-proxy applies to host "myap.cluster.example.com" on the ingress gateway pods istio-ingress/{istio=ingressgateway}, but the Gateways of that ingress '
        + '(Gateway myapp/myapp, Gateway myapp/oauth2-proxy) serve only "myapp.cluster.example.com", "oauth.cluster.example.com"',
      ]);
      // a policy in another namespace applies only to its own namespace's pods
      const other = seedManifests();
      const policy = pick(other, 'AuthorizationPolicy', 'myapp-oauth2-proxy');
      policy.metadata.namespace = 'myapp';
      policy.spec.rules[0].to[0].operation.hosts = ['myap.cluster.example.com'];
      expect(WiringChecks.check(other, context).filter((f) => f.subject.kind === 'AuthorizationPolicy')).toEqual([]);
    });

    test('only warns about a policy on an ingress no Gateway of the manifests configures (Kubernetes Ingresses or Gateway API routes may serve its hosts)', () => {
      const m = seedManifests().filter((o: any) => o.kind !== 'Gateway' && o.kind !== 'VirtualService');
      m.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'myapp', namespace: 'myapp' },
        spec: { ingressClassName: 'istio', rules: [{ host: 'myapp.cluster.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'myapp', port: { number: 8000 } } } }] } }] },
      });
      const findings = WiringChecks.check(m).filter((f) => f.rule === WiringRule.HOST_MISMATCH);
      expect(findings.map((f) => `${f.severity}: ${f.message}; ${f.fix}`)).toEqual([
        'warning: AuthorizationPolicy istio-system/myapp-oauth2-proxy applies to host "myapp.cluster.example.com" on the ingress gateway pods istio-system/{app=istio-ingressgateway, istio=ingressgateway}, but no Gateway selects that ingress; '
        + 'serve "myapp.cluster.example.com" from a Gateway of that ingress, or ignore this if a Kubernetes Ingress or a Gateway API route serves it there',
      ]);
    });
  });

  describe('credential-name', () => {
    test('fires when credentialName differs from the Certificate\'s secretName', () => {
      const m = seedManifests();
      pick(m, 'Gateway', 'myapp').spec.servers[0].tls.credentialName = 'tls-myapp';
      expect(lines(m)).toEqual([
        'credential-name: Gateway myapp/myapp serves credentialName "tls-myapp", but Certificate istio-system/tls-myapp-production, which covers its hosts in the ingress namespace "istio-system", writes Secret "tls-myapp-production"; set credentialName to "tls-myapp-production" or the Certificate\'s secretName to "tls-myapp"',
      ]);
    });

    test('fires on a credentialName nothing provides, without blaming a Certificate for other hosts', () => {
      const m = seedManifests();
      pick(m, 'Certificate', 'tls-myapp-production').spec.dnsNames = ['oauth.cluster.example.com'];
      pick(m, 'Gateway', 'myapp').spec.servers[0].tls.credentialName = 'tls-myapp';
      expect(lines(m)).toEqual([
        'credential-name: Gateway myapp/myapp serves credentialName "tls-myapp", but no Certificate or Secret of that name is in the ingress gateway namespace "istio-system"; add a cert-manager Certificate with secretName "tls-myapp" in namespace "istio-system", '
        + 'or set assumeExternalObjects if the Secret is made outside these manifests; these checks assumed Istio\'s default gateway pods (istio-system, istio=ingressgateway): if yours run elsewhere (the istio/gateway chart\'s usual install is namespace istio-ingress, istio=ingress), describe them in ingressGateways',
      ]);
    });

    test('takes the Secret an ExternalSecret or a SealedSecret of the ingress namespace writes as provided', () => {
      const made = (producer: any) => {
        const m = seedManifests();
        pick(m, 'Certificate', 'tls-myapp-production').spec.dnsNames = ['oauth.cluster.example.com'];
        pick(m, 'Gateway', 'myapp').spec.servers[0].tls.credentialName = 'tls-myapp';
        m.push(producer);
        return WiringChecks.check(m).map((f) => f.rule);
      };
      expect(made({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'from-vault', namespace: 'istio-system' }, spec: { target: { name: 'tls-myapp' } } })).toEqual([]);
      expect(made({ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', metadata: { name: 'tls-myapp', namespace: 'istio-system' }, spec: {} })).toEqual([]);
      expect(made({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'tls-myapp', namespace: 'istio-system' }, spec: { encryptedData: {} } })).toEqual([]);
      // the controller names the Secret after the SealedSecret, whatever its template says
      expect(made({
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata: { name: 'other', namespace: 'istio-system' },
        spec: { template: { metadata: { name: 'tls-myapp' } } },
      })).toEqual([WiringRule.CREDENTIAL_NAME]);
      // in another namespace it provides nothing to the gateway
      expect(made({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'tls-myapp', namespace: 'myapp' }, spec: {} })).toEqual([WiringRule.CREDENTIAL_NAME]);
    });

    test('fires when the Certificate is not in the ingress gateway\'s namespace', () => {
      const m = seedManifests();
      pick(m, 'Certificate', 'tls-myapp-production').metadata.namespace = 'myapp';
      const findings = WiringChecks.check(m);
      expect(findings.map((f) => f.rule)).toEqual([WiringRule.CREDENTIAL_NAME]);
      expect(`${findings[0].message}; ${findings[0].fix}`).toBe(
        'Gateway myapp/myapp serves credentialName "tls-myapp-production" from the ingress gateway in namespace "istio-system", but Certificate myapp/tls-myapp-production puts that Secret in namespace "myapp"; the gateway reads Secrets only from its own namespace; create Certificate tls-myapp-production in namespace "istio-system"');
      // the Certificate next to the app is the classic slip: an error even with the default gateways assumed
      expect(findings[0].severity).toBe(WiringSeverity.ERROR);
      expect(findings[0].related).toEqual({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace: 'myapp', name: 'tls-myapp-production' });
    });

    test('only warns about a Certificate in another namespace when external objects are assumed (a replicator may copy its Secret)', () => {
      const m = seedManifests();
      pick(m, 'Certificate', 'tls-myapp-production').metadata.namespace = 'cert-manager';
      m.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cm', namespace: 'cert-manager' }, spec: { template: { metadata: { labels: { app: 'cm' } }, spec: { containers: [{ name: 'cm', image: 'cm:1' }] } } } });
      const given = { ingressGateways: [{ namespace: 'istio-system', labels: { istio: 'ingressgateway' } }] };
      expect(WiringChecks.check(m, given).map((f) => `${f.severity} ${f.rule}`)).toEqual(['error credential-name']);
      const assumed = WiringChecks.check(m, { ...given, assumeExternalObjects: true });
      expect(assumed.map((f) => `${f.severity} ${f.rule}`)).toEqual(['warning credential-name']);
      expect(assumed[0].fix).toBe('create Certificate tls-myapp-production in namespace "istio-system" (a copy made outside these manifests, e.g. by a Secret replicator, is fine)');
    });

    test('reads credentialNames (one Secret per key type) as it reads credentialName', () => {
      const m = seedManifests();
      pick(m, 'Gateway', 'myapp').spec.servers[0].tls = { mode: 'SIMPLE', credentialNames: ['tls-myapp-production', 'tls-myapp-ecdsa'] };
      const findings = WiringChecks.check(m).filter((f) => f.rule === WiringRule.CREDENTIAL_NAME);
      expect(findings.map((f) => [f.path, f.severity])).toEqual([['/spec/servers/0/tls/credentialNames/1', WiringSeverity.ERROR]]);
      expect(findings[0].message).toContain('serves credentialName "tls-myapp-ecdsa"');
    });

    test('pass over the credentialName of a passthrough server, which Istio ignores', () => {
      const m = seedManifests();
      const gw = pick(m, 'Gateway', 'myapp');
      gw.spec.servers[0].tls = { mode: 'PASSTHROUGH', credentialName: 'tls-oauth-production' };
      // a second server on the same port with the same certificate would be a shared certificate
      pick(m, 'Gateway', 'oauth2-proxy').spec.servers[0].port.number = 443;
      expect(lines(m).filter((l) => l.startsWith('credential-name') || l.startsWith('gateway-shared-certificate'))).toEqual([]);
      gw.spec.servers[0].tls.mode = 'SIMPLE';
      expect(lines(m).filter((l) => l.startsWith('credential-name') || l.startsWith('gateway-shared-certificate'))).not.toEqual([]);
    });

    test('accepts a TLS Secret in the ingress namespace instead of a Certificate', () => {
      const m = seedManifests().filter((o) => o.kind !== 'Certificate');
      for (const name of ['tls-myapp-production', 'tls-oauth-production']) {
        m.push({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace: 'istio-system' } });
      }
      expect(lines(m)).toEqual([]);
    });

    test('fires on a missing Secret unless external objects may be assumed', () => {
      const m = seedManifests().filter((o) => o.kind !== 'Certificate');
      expect(WiringChecks.check(m).map((f) => f.rule)).toEqual([WiringRule.CREDENTIAL_NAME, WiringRule.CREDENTIAL_NAME]);
      expect(WiringChecks.check(m, { assumeExternalObjects: true })).toEqual([]);
    });
  });

  describe('host-mismatch with the mesh and short names', () => {
    test('a VirtualService bound to a Gateway and the mesh may name in-mesh hosts the Gateway doesn\'t serve', () => {
      const m = seedManifests();
      const vs = pick(m, 'VirtualService', 'myapp');
      vs.spec.gateways = [...vs.spec.gateways, 'mesh'];
      vs.spec.hosts = [...vs.spec.hosts, 'myapp', 'myapp.myapp.svc.cluster.local'];
      expect(lines(m)).toEqual([]);
    });

    test('a VirtualService bound to a Gateway and the mesh may name hosts a ServiceEntry defines', () => {
      const m = seedManifests();
      const vs = pick(m, 'VirtualService', 'myapp');
      vs.spec.gateways = [...vs.spec.gateways, 'mesh'];
      vs.spec.hosts = [...vs.spec.hosts, 'm.myapp', 'm.myapp.svc'];
      expect(lines(m).filter((l) => l.startsWith('host-mismatch'))).toHaveLength(2);
      m.push({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'm', namespace: 'myapp' }, spec: { hosts: ['m.myapp', 'm.myapp.svc'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }] } });
      expect(lines(m).filter((l) => l.startsWith('host-mismatch'))).toEqual([]);
    });

    test('a short host matches a Gateway that serves its expansion in the VirtualService\'s namespace', () => {
      const m = seedManifests();
      pick(m, 'Gateway', 'myapp').spec.servers[0].hosts = ['myapp/myapp.myapp.svc.cluster.local'];
      pick(m, 'VirtualService', 'myapp').spec.hosts = ['myapp'];
      expect(lines(m).filter((l) => l.startsWith('host-mismatch: VirtualService'))).toEqual([]);
    });
  });

  describe('gateway-port-name', () => {
    test('lets HTTPS servers of two Gateways of one ingress share a port name: istiod\'s route table names hold the Gateway and its namespace', () => {
      const m = seedManifests();
      pick(m, 'Gateway', 'oauth2-proxy').spec.servers[0].port.name = 'https';
      pick(m, 'Gateway', 'myapp').spec.servers[0].port.name = 'https';
      expect(lines(m)).toEqual([]);
    });

    test('fires on two servers of one Gateway with one port name, whatever their protocol', () => {
      const m = seedManifests();
      const gw = pick(m, 'Gateway', 'myapp');
      gw.spec.servers.push({ port: { number: 80, name: gw.spec.servers[0].port.name, protocol: 'HTTP' }, hosts: ['myapp.cluster.example.com'] });
      expect(lines(m)).toEqual([
        `gateway-port-name: Gateway myapp/myapp names its server port "${gw.spec.servers[0].port.name}", which server 0 of the same Gateway already uses; istiod refuses duplicate port names in one Gateway; `
        + 'rename the port, e.g. after its host ("http-myapp-cluster-example-com")',
      ]);
    });

    test('lets plain HTTP servers of different Gateways, and HTTPS servers on different ports, share a name', () => {
      const m = seedManifests();
      for (const name of ['myapp', 'oauth2-proxy']) {
        pick(m, 'Gateway', name).spec.servers.push({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [pick(m, 'Gateway', name).spec.servers[0].hosts[0]] });
      }
      pick(m, 'Gateway', 'oauth2-proxy').spec.servers[0].port = { number: 8443, name: pick(m, 'Gateway', 'myapp').spec.servers[0].port.name, protocol: 'HTTPS' };
      expect(lines(m).filter((l) => l.startsWith('gateway-port-name'))).toEqual([]);
    });

    test('allows the same port name on different ingress gateways', () => {
      const m = seedManifests();
      const gw = pick(m, 'Gateway', 'oauth2-proxy');
      gw.spec.selector = { istio: 'internal-gateway' };
      gw.spec.servers[0].port.name = pick(m, 'Gateway', 'myapp').spec.servers[0].port.name;
      const context = { ingressGateways: [{ namespace: 'istio-system', labels: { istio: 'ingressgateway' } }, { namespace: 'istio-system', labels: { istio: 'internal-gateway' } }] };
      expect(WiringChecks.check(m, context)).toEqual([]);
    });
  });

  describe('gateway-shared-certificate', () => {
    /** The seed as written: both Gateways serve the wildcard certificate. */
    function seedAsWritten(): any[] {
      const m = seedManifests().filter((o) => o.metadata.name !== 'tls-oauth-production');
      pick(m, 'Certificate', 'tls-myapp-production').spec.dnsNames = ['*.cluster.example.com'];
      pick(m, 'Gateway', 'oauth2-proxy').spec.servers[0].tls.credentialName = 'tls-myapp-production';
      return m;
    }

    test('fires when two Gateways of one ingress serve the same credentialName (IST0138), once per pair', () => {
      const m = seedAsWritten();
      const findings = WiringChecks.check(m);
      expect(findings.map((f) => `${f.rule}: ${f.message}; ${f.fix}`)).toEqual([
        'gateway-shared-certificate: Gateway myapp/oauth2-proxy serves credentialName "tls-myapp-production" on port 443, which Gateway myapp/myapp also serves there on the same ingress gateway; '
        + 'browsers reuse one HTTP/2 connection for every host a certificate covers, so a request for one server\'s host can arrive on the other\'s filter chain and get a 404 (istioctl analyze: IST0138); '
        + 'serve the hosts of both from one server of one Gateway (IngressHttpsGateway, with IngressRoute\'s sharedGateway), or give each Gateway a certificate of its own',
      ]);
      expect(findings[0].path).toBe('/spec/servers/0/tls/credentialName');
      // a warning, as in istioctl analyze; the other rules' findings are errors
      expect(findings[0].severity).toBe(WiringSeverity.WARNING);
      const broken = seedManifests();
      pick(broken, 'Gateway', 'myapp').spec.selector = { istio: 'ingres' };
      expect(WiringChecks.check(broken, { ingressGateways: [{ namespace: 'istio-system', labels: { istio: 'ingressgateway' } }] }).map((f) => f.severity)).toEqual([WiringSeverity.ERROR]);
      expect(findings[0].related).toEqual({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', namespace: 'myapp', name: 'myapp' });
    });

    test('fires when another server\'s certificate covers a host too: a wildcard certificate on one Gateway, a certificate of its own on the other', () => {
      const m = seedManifests();
      pick(m, 'Certificate', 'tls-myapp-production').spec.dnsNames = ['*.cluster.example.com'];
      const findings = WiringChecks.check(m);
      expect(findings.map((f) => `${f.rule} ${f.subject.name} ${f.path}: ${f.message}; ${f.fix}`)).toEqual([
        'gateway-shared-certificate oauth2-proxy /spec/servers/0/hosts: Gateway myapp/oauth2-proxy serves "oauth.cluster.example.com" on port 443, and the certificate of Gateway myapp/myapp '
        + 'on the same port of the same ingress gateway (Certificate istio-system/tls-myapp-production) covers that host too; browsers reuse one HTTP/2 connection for every host a '
        + 'certificate covers, so a request for "oauth.cluster.example.com" can arrive on the other server\'s filter chain and get a 404; '
        + 'give each server a certificate that covers only its own hosts (exact names instead of a shared wildcard), or serve the hosts from one server (IngressHttpsGateway)',
      ]);
      expect(findings[0].severity).toBe(WiringSeverity.WARNING);
      expect(findings[0].related).toEqual({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace: 'istio-system', name: 'tls-myapp-production' });
      // on another port, clients never share the connection
      pick(m, 'Gateway', 'oauth2-proxy').spec.servers[0].port.number = 8443;
      expect(WiringChecks.check(m)).toEqual([]);
    });

    test('is quiet when the hosts share one server of one Gateway', () => {
      const m = seedAsWritten().filter((o) => !(o.kind === 'Gateway' && o.metadata.name === 'oauth2-proxy'));
      pick(m, 'Gateway', 'myapp').spec.servers[0].hosts.push('oauth.cluster.example.com');
      pick(m, 'VirtualService', 'oauth2-proxy').spec.gateways = ['myapp'];
      expect(lines(m)).toEqual([]);
    });

    test('compares certificate files when there is no credentialName, and ignores servers without TLS', () => {
      const m = seedManifests();
      for (const name of ['myapp', 'oauth2-proxy']) {
        pick(m, 'Gateway', name).spec.servers[0].tls = { mode: 'SIMPLE', serverCertificate: '/etc/certs/tls.crt', privateKey: '/etc/certs/tls.key' };
        pick(m, 'Gateway', name).spec.servers.push({ port: { number: 80, name: `http-${name}`, protocol: 'HTTP' }, hosts: [pick(m, 'Gateway', name).spec.servers[0].hosts[0]] });
      }
      expect(WiringChecks.check(m).map((f) => [f.rule, f.subject.name, f.path])).toEqual([
        [WiringRule.GATEWAY_SHARED_CERTIFICATE, 'oauth2-proxy', '/spec/servers/0/tls/serverCertificate'],
      ]);
      pick(m, 'Gateway', 'oauth2-proxy').spec.servers[0].tls.privateKey = '/etc/certs/other.key';
      expect(WiringChecks.check(m)).toEqual([]);
    });

    test('counts two servers of one Gateway too, which are two filter chains as well', () => {
      const m = seedAsWritten().filter((o) => !(o.kind === 'Gateway' && o.metadata.name === 'oauth2-proxy'));
      const gw = pick(m, 'Gateway', 'myapp');
      gw.spec.servers.push({ ...gw.spec.servers[0], hosts: ['oauth.cluster.example.com'], port: { name: 'https-oauth-cluster-example-com', number: 443, protocol: 'HTTPS' } });
      pick(m, 'VirtualService', 'oauth2-proxy').spec.gateways = ['myapp'];
      const findings = WiringChecks.check(m);
      expect(findings.map((f) => [f.rule, f.path, f.related])).toEqual([[WiringRule.GATEWAY_SHARED_CERTIFICATE, '/spec/servers/1/tls/credentialName', undefined]]);
      expect(`${findings[0].message}; ${findings[0].fix}`).toContain('which server 0 of the same Gateway also serves there on the same ingress gateway;');
      expect(`${findings[0].message}; ${findings[0].fix}`).toContain('(istioctl analyze: IST0138, which looks across Gateways only); list the hosts of both servers in one server');
    });

    test('is quiet for servers on different ports, which clients never share a connection across', () => {
      const m = seedAsWritten();
      pick(m, 'Gateway', 'oauth2-proxy').spec.servers[0].port.number = 8443;
      expect(WiringChecks.check(m)).toEqual([]);
    });

    test('counts a Gateway with an empty selector as on every ingress gateway, as Istio does', () => {
      const m = seedAsWritten();
      pick(m, 'Gateway', 'oauth2-proxy').spec.selector = {};
      expect(WiringChecks.check(m).map((f) => f.rule)).toContain(WiringRule.GATEWAY_SHARED_CERTIFICATE);
    });

    test('compares the selectors of gateway pods it does not know: one within the other is the same ingress', () => {
      const m = seedAsWritten();
      pick(m, 'Gateway', 'myapp').spec.selector = { istio: 'edge' };
      pick(m, 'Gateway', 'oauth2-proxy').spec.selector = { istio: 'edge', zone: 'a' };
      expect(WiringChecks.check(m, { assumeExternalObjects: true }).map((f) => f.rule)).toEqual([WiringRule.GATEWAY_SHARED_CERTIFICATE]);
      pick(m, 'Gateway', 'oauth2-proxy').spec.selector = { istio: 'internal' };
      expect(WiringChecks.check(m, { assumeExternalObjects: true })).toEqual([]);
    });

    test('is quiet for Gateways of different ingress gateways', () => {
      const m = seedAsWritten();
      pick(m, 'Gateway', 'oauth2-proxy').spec.selector = { istio: 'internal-gateway' };
      const context = { ingressGateways: [{ namespace: 'istio-system', labels: { istio: 'ingressgateway' } }, { namespace: 'istio-system', labels: { istio: 'internal-gateway' } }] };
      expect(WiringChecks.check(m, context)).toEqual([]);
    });
  });

  describe('destination-service', () => {
    test('fires when a VirtualService routes to a Service that does not exist', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.http[0].route[0].destination.host = 'my-app';
      expect(lines(m)).toEqual([
        'destination-service: VirtualService myapp/myapp routes to "my-app", i.e. Service myapp/my-app, which doesn\'t exist; create Service myapp/my-app or fix the destination host',
      ]);
    });

    test('resolves FQDN hosts in the namespace they name', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.http[0].route[0].destination.host = 'myapp.other.svc.cluster.local';
      expect(lines(m)).toEqual([
        'destination-service: VirtualService myapp/myapp routes to "myapp.other.svc.cluster.local", i.e. Service other/myapp, which doesn\'t exist; Service myapp/myapp has that name in another namespace; route to "myapp.myapp.svc.cluster.local"',
      ]);
    });

    test('accepts a Service-like FQDN that only a ServiceEntry defines (a mesh service outside Kubernetes\' registry)', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.http[0].route[0].destination.host = 'legacy.myapp.svc.cluster.local';
      expect(lines(m).filter((l) => l.startsWith('destination-service'))).toHaveLength(1);
      m.push({
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name: 'legacy', namespace: 'myapp' },
        spec: { hosts: ['legacy.myapp.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 8000, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app: 'legacy' } } },
      });
      expect(lines(m).filter((l) => l.startsWith('destination-service'))).toEqual([]);
      expect(WiringChecks.analyze(m).links.map((l) => `${l.source.kind} ${l.relation} ${l.target.kind} ${l.target.name}`)).toContain('VirtualService routes ServiceEntry legacy');
    });

    test('fires on "service.namespace" hosts, which Istio does not expand', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.http[0].route[0].destination.host = 'myapp.myapp';
      expect(lines(m)).toEqual([
        'destination-service: VirtualService myapp/myapp routes to "myapp.myapp", a partial name of Service myapp/myapp; Istio expands only single-label hosts, so it looks "myapp.myapp" up as an external host and finds nothing; use the Service\'s FQDN "myapp.myapp.svc.cluster.local"',
      ]);
    });

    test('accepts external hosts defined by a ServiceEntry and honours the cluster domain', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.http[0].route[0].destination.host = 'api.example.com';
      expect(WiringChecks.check(m).map((f) => f.rule)).toEqual([WiringRule.DESTINATION_SERVICE]);
      m.push({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'api', namespace: 'myapp' }, spec: { hosts: ['*.example.com'] } });
      expect(WiringChecks.check(m)).toEqual([]);
      pick(m, 'VirtualService', 'oauth2-proxy').spec.http[0].route[0].destination.host = 'oauth2-proxy.myapp.svc.corp.internal';
      expect(WiringChecks.check(m, { clusterDomain: 'corp.internal' })).toEqual([]);
    });

    test('honours a ServiceEntry\'s exportTo: one exported to its own namespace only is not seen from another', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.http[0].route[0].destination.host = 'api.example.com';
      const entry = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'api', namespace: 'egress' }, spec: { hosts: ['api.example.com'], exportTo: ['.'] } };
      m.push(entry);
      expect(lines(m)).toEqual([
        'destination-service: VirtualService myapp/myapp routes to "api.example.com", which ServiceEntry egress/api defines, but its exportTo ["."] hides it from the gateway pods\' namespace "istio-system", where the route is served; '
        + 'export the ServiceEntry to "istio-system" (or "*"), or add one in namespace "istio-system"',
      ]);
      // what matters for a route served by a gateway is the gateway's namespace, not the VirtualService's
      entry.metadata.namespace = 'istio-system';
      expect(lines(m)).toEqual([]);
      // exported only to the VirtualService's namespace, it is hidden from the gateway that serves the route
      entry.spec.exportTo = ['myapp'];
      expect(lines(m)).toEqual([expect.stringContaining('its exportTo ["myapp"] hides it from the gateway pods\' namespace "istio-system", where the route is served')]);
      entry.spec.exportTo = ['*'];
      expect(lines(m)).toEqual([]);
      // a route whose match narrows it to the mesh is seen by the mesh's proxies only
      const meshOnly = seedManifests();
      const vs = pick(meshOnly, 'VirtualService', 'myapp');
      vs.spec.gateways.push('mesh');
      vs.spec.http[0].match = [{ gateways: ['mesh'] }];
      vs.spec.http[0].route[0].destination.host = 'api.example.com';
      meshOnly.push({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'api', namespace: 'myapp' }, spec: { hosts: ['api.example.com'], exportTo: ['.'] } });
      expect(lines(meshOnly).filter((l) => l.startsWith('destination-service'))).toEqual([]);
      // each proxy namespace may see a different entry for the host
      meshOnly.push({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'api', namespace: 'istio-system' }, spec: { hosts: ['api.example.com'], exportTo: ['.'] } });
      delete vs.spec.http[0].match;
      expect(lines(meshOnly).filter((l) => l.startsWith('destination-service'))).toEqual([]);
      // a route for the mesh too must also be visible from the VirtualService's namespace
      entry.spec.exportTo = ['.'];
      pick(m, 'VirtualService', 'myapp').spec.gateways.push('mesh');
      expect(lines(m).filter((l) => l.startsWith('destination-service'))).toEqual([
        'destination-service: VirtualService myapp/myapp routes to "api.example.com", which ServiceEntry istio-system/api defines, but its exportTo ["."] hides it from namespace "myapp"; '
        + 'export the ServiceEntry to "myapp" (or "*"), or add one in namespace "myapp"',
      ]);
    });
  });

  describe('destination-port', () => {
    test('fires when a VirtualService routes to a port the Service does not have', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.http[0].route[0].destination.port.number = 80;
      expect(lines(m)).toEqual([
        'destination-port: VirtualService myapp/myapp routes to port 80 of Service myapp/myapp, which has only port 8000; route to port 8000 or add port 80 to the Service',
      ]);
    });

    test('fires when the port is left out and the Service has several', () => {
      const m = seedManifests();
      delete pick(m, 'VirtualService', 'myapp').spec.http[0].route[0].destination.port;
      pick(m, 'Service', 'myapp').spec.ports.push({ name: 'metrics', port: 9090, targetPort: 80 });
      expect(lines(m)).toEqual([
        'destination-port: VirtualService myapp/myapp routes to Service myapp/myapp without a port, but the Service has several (8000, 9090) and none is the port of the Gateway (443), '
        + 'which istiod would use; set destination.port.number to one of the Service ports',
      ]);
    });

    test('does not count the port of a server that only redirects to HTTPS (tls.httpsRedirect routes nothing)', () => {
      const m = seedManifests();
      delete pick(m, 'VirtualService', 'myapp').spec.http[0].route[0].destination.port;
      const gateway = pick(m, 'Gateway', 'myapp');
      gateway.spec.servers.push({ hosts: gateway.spec.servers[0].hosts, port: { name: 'http-myapp', number: 80, protocol: 'HTTP' }, tls: { httpsRedirect: true } });
      pick(m, 'Service', 'myapp').spec.ports.push({ name: 'http', port: 80, targetPort: 80 });
      expect(lines(m).filter((l) => l.startsWith('destination-port'))).toEqual([
        'destination-port: VirtualService myapp/myapp routes to Service myapp/myapp without a port, but the Service has several (8000, 80) and none is the port of the Gateway (443), '
        + 'which istiod would use; set destination.port.number to one of the Service ports',
      ]);
    });

    test('leaves a port-less destination alone where istiod finds the port: in the mesh, or on a Gateway port the Service has', () => {
      const mesh = seedManifests();
      const vs = pick(mesh, 'VirtualService', 'myapp');
      delete vs.spec.http[0].route[0].destination.port;
      vs.spec.gateways = ['mesh'];
      vs.spec.hosts = ['myapp'];
      pick(mesh, 'Service', 'myapp').spec.ports.push({ name: 'metrics', port: 9090, targetPort: 80 });
      expect(lines(mesh).filter((l) => l.startsWith('destination-port'))).toEqual([]);
      const gw = seedManifests();
      delete pick(gw, 'VirtualService', 'myapp').spec.http[0].route[0].destination.port;
      pick(gw, 'Service', 'myapp').spec.ports.push({ name: 'https', port: 443, targetPort: 80 });
      expect(lines(gw).filter((l) => l.startsWith('destination-port'))).toEqual([]);
    });
  });

  describe('ext-authz-redirect', () => {
    const redirect = (m: any[]) => {
      const gateway = pick(m, 'Gateway', 'myapp');
      gateway.spec.servers.push({ hosts: gateway.spec.servers[0].hosts, port: { name: 'http-myapp', number: 80, protocol: 'HTTP' }, tls: { httpsRedirect: true } });
    };

    test('warns when a CUSTOM check covers a host on every port and a Gateway of the ingress redirects it from HTTP', () => {
      const m = seedManifests();
      redirect(m);
      const findings = WiringChecks.check(m);
      expect(findings.map((f) => [f.rule, f.severity, f.path, f.related?.name])).toEqual([
        [WiringRule.EXT_AUTHZ_REDIRECT, 'warning', '/spec/rules/0/to/0/operation/hosts/0', 'myapp'],
      ]);
      expect(lines(m)).toEqual([
        'ext-authz-redirect: AuthorizationPolicy istio-system/myapp-oauth2-proxy sends host "myapp.cluster.example.com" to its CUSTOM check on every port of the ingress gateway pods '
        + 'istio-system/{app=istio-ingressgateway, istio=ingressgateway}, and Gateway myapp/myapp redirects "myapp.cluster.example.com" from port 80 to HTTPS: the check runs before the redirect, '
        + 'so a sign-in started over http:// comes back there without the HTTPS-only session cookie and starts again, in a loop; '
        + 'limit the policy to the HTTPS port (to.operation.ports: the port the ingress gateway\'s Envoy listens on for HTTPS, 8443 in Istio\'s default installation), or drop the redirect server; '
        + 'unless TLS ends at a load balancer in front of the gateway that sends X-Forwarded-Proto: https (numTrustedProxies), for which the port-80 server routes instead of redirecting',
      ]);
    });

    test('reads a rule without hosts (or without to) as every host, and leaves hosts its notHosts cover alone', () => {
      const pathsOnly = seedManifests();
      redirect(pathsOnly);
      pick(pathsOnly, 'AuthorizationPolicy', 'myapp-oauth2-proxy').spec.rules = [{ to: [{ operation: { notPaths: ['/oauth2/*'] } }] }];
      expect(WiringChecks.check(pathsOnly).map((f) => [f.rule, f.path])).toEqual([[WiringRule.EXT_AUTHZ_REDIRECT, '/spec/rules/0/to/0/operation']]);
      const noTo = seedManifests();
      redirect(noTo);
      pick(noTo, 'AuthorizationPolicy', 'myapp-oauth2-proxy').spec.rules = [{}];
      expect(WiringChecks.check(noTo).map((f) => [f.rule, f.path])).toEqual([[WiringRule.EXT_AUTHZ_REDIRECT, '/spec/rules/0']]);
      const excluded = seedManifests();
      redirect(excluded);
      pick(excluded, 'AuthorizationPolicy', 'myapp-oauth2-proxy').spec.rules = [{ to: [{ operation: { notHosts: ['*.cluster.example.com'] } }] }];
      expect(lines(excluded)).toEqual([]);
    });

    test('counts a CUSTOM policy without a selector in the ingress or root namespace (it runs on every workload there), but not one with targetRefs', () => {
      const wide = seedManifests();
      redirect(wide);
      delete pick(wide, 'AuthorizationPolicy', 'myapp-oauth2-proxy').spec.selector;
      expect(WiringChecks.check(wide).map((f) => [f.rule, f.path, f.related?.name])).toEqual([
        [WiringRule.EXT_AUTHZ_REDIRECT, '/spec/rules/0/to/0/operation/hosts/0', 'myapp'],
      ]);
      const empty = seedManifests();
      redirect(empty);
      pick(empty, 'AuthorizationPolicy', 'myapp-oauth2-proxy').spec.selector = { matchLabels: {} };
      expect(WiringChecks.check(empty).map((f) => f.rule)).toEqual([WiringRule.EXT_AUTHZ_REDIRECT]);
      const targeted = seedManifests();
      redirect(targeted);
      const policy = pick(targeted, 'AuthorizationPolicy', 'myapp-oauth2-proxy');
      delete policy.spec.selector;
      policy.spec.targetRefs = [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'other' }];
      expect(lines(targeted)).toEqual([]);
      const elsewhere = seedManifests();
      redirect(elsewhere);
      const other = pick(elsewhere, 'AuthorizationPolicy', 'myapp-oauth2-proxy');
      delete other.spec.selector;
      other.metadata.namespace = 'myapp';
      expect(lines(elsewhere)).toEqual([]);
      // from the root namespace, a policy without a selector reaches an ingress in another namespace too
      const context = { ingressGateways: [{ namespace: 'istio-ingress', labels: { istio: 'ingressgateway' } }] };
      const rules = (m: any[]) => WiringChecks.check(m, context).map((f) => f.rule).filter((r) => r === WiringRule.EXT_AUTHZ_REDIRECT);
      const root = seedManifests();
      redirect(root);
      delete pick(root, 'AuthorizationPolicy', 'myapp-oauth2-proxy').spec.selector;
      expect(rules(root)).toEqual([WiringRule.EXT_AUTHZ_REDIRECT]);
      pick(root, 'AuthorizationPolicy', 'myapp-oauth2-proxy').metadata.namespace = 'third';
      expect(rules(root)).toEqual([]);
    });

    test('takes only plain-HTTP servers as redirecting (httpsRedirect on an HTTPS server routes), on Gateways of that ingress', () => {
      const https = seedManifests();
      pick(https, 'Gateway', 'myapp').spec.servers[0].tls.httpsRedirect = true;
      expect(lines(https)).toEqual([]);
      const elsewhere = seedManifests();
      redirect(elsewhere);
      pick(elsewhere, 'Gateway', 'myapp').spec.selector = { istio: 'other-gateway' };
      expect(WiringChecks.check(elsewhere).map((f) => f.rule)).not.toContain(WiringRule.EXT_AUTHZ_REDIRECT);
    });

    test('leaves a check limited to ports, an ALLOW policy and a Gateway without a redirect alone', () => {
      const ports = seedManifests();
      redirect(ports);
      pick(ports, 'AuthorizationPolicy', 'myapp-oauth2-proxy').spec.rules[0].to[0].operation.ports = ['8443'];
      expect(lines(ports)).toEqual([]);
      const allow = seedManifests();
      redirect(allow);
      const policy = pick(allow, 'AuthorizationPolicy', 'myapp-oauth2-proxy');
      policy.spec.action = 'ALLOW';
      delete policy.spec.provider;
      expect(lines(allow)).toEqual([]);
      expect(lines(seedManifests())).toEqual([]);
    });
  });

  describe('marin3r-discovery-service', () => {
    const marin3rPods = (m: any[]) => {
      pick(m, 'Deployment', 'oauth2-proxy').spec.template.metadata.labels['marin3r.3scale.net/status'] = 'enabled';
    };

    test('warns about pods labelled for marin3r in a namespace without a DiscoveryService, which marin3r\'s webhook refuses', () => {
      const m = seedManifests();
      marin3rPods(m);
      const findings = WiringChecks.check(m);
      expect(findings.map((f) => [f.rule, f.severity, f.path])).toEqual([
        [WiringRule.MARIN3R_DISCOVERY_SERVICE, 'warning', '/spec/template/metadata/labels/marin3r.3scale.net~1status'],
      ]);
      expect(lines(m)).toEqual([
        'marin3r-discovery-service: Deployment myapp/oauth2-proxy asks marin3r for an Envoy sidecar (pod label marin3r.3scale.net/status: enabled), '
        + 'but namespace "myapp" has no DiscoveryService in these manifests: marin3r\'s webhook refuses pods in a namespace without one, so the workload would stay at 0 pods; '
        + 'add a DiscoveryService in "myapp" (Marin3rDiscoveryService) and apply it first, or ignore this if one is created elsewhere',
      ]);
    });

    test('points at the pod labels of a bare Pod and of a CronJob', () => {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'solo', labels: { 'marin3r.3scale.net/status': 'enabled' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
      const cron = {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'c', namespace: 'solo' },
        spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { metadata: { labels: { 'marin3r.3scale.net/status': 'enabled' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } } } },
      };
      expect(WiringChecks.check([pod, cron]).map((f) => [f.subject.kind, f.path])).toEqual([
        ['Pod', '/metadata/labels/marin3r.3scale.net~1status'],
        ['CronJob', '/spec/jobTemplate/spec/template/metadata/labels/marin3r.3scale.net~1status'],
      ]);
    });

    test('is satisfied by a DiscoveryService of the namespace (linked to the pods), and silent with assumeExternalObjects', () => {
      const m = seedManifests();
      marin3rPods(m);
      m.push({ apiVersion: 'operator.marin3r.3scale.net/v1alpha1', kind: 'DiscoveryService', metadata: { name: 'other', namespace: 'elsewhere' }, spec: {} });
      expect(WiringChecks.check(m).map((f) => f.rule)).toEqual([WiringRule.MARIN3R_DISCOVERY_SERVICE]);
      m.push({ apiVersion: 'operator.marin3r.3scale.net/v1alpha1', kind: 'DiscoveryService', metadata: { name: 'instance', namespace: 'myapp' }, spec: {} });
      const report = WiringChecks.analyze(m);
      expect(report.findings).toEqual([]);
      expect(report.links.filter((l) => l.relation === 'configures').map((l) => `${l.source.namespace}/${l.source.name} -> ${l.target.name}`)).toEqual(['myapp/instance -> oauth2-proxy']);
      const external = seedManifests();
      marin3rPods(external);
      expect(WiringChecks.check(external, { assumeExternalObjects: true })).toEqual([]);
      // the link is drawn with external objects assumed too
      expect(WiringChecks.analyze(m, { assumeExternalObjects: true }).links.filter((l) => l.relation === 'configures')).toHaveLength(1);
    });
  });

  describe('service-selector', () => {
    test('fires when a Service selects no pods, naming the closest workload', () => {
      const m = seedManifests();
      pick(m, 'Service', 'myapp').spec.selector = { 'app.kubernetes.io/name': 'my-app' };
      expect(lines(m)).toEqual([
        'service-selector: Service myapp/myapp selects pods labelled {app.kubernetes.io/name=my-app}, but the pods of Deployment myapp/myapp are labelled {app.kubernetes.io/name=myapp}; make the Service selector a subset of the pod template labels of Deployment myapp (or set assumeExternalObjects if the pods come from outside these manifests, e.g. an operator)',
      ]);
    });

    test('sees the pods of other kinds with a pod template (an Argo Rollout)', () => {
      const m = seedManifests();
      const deployment = pick(m, 'Deployment', 'myapp');
      m.splice(m.indexOf(deployment), 1, { ...deployment, apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', spec: { ...deployment.spec, strategy: { canary: {} } } });
      expect(lines(m)).toEqual([]);
      expect(WiringChecks.analyze(m).links.map((l) => `${l.source.kind} ${l.relation} ${l.target.kind}`)).toContain('Service selects Rollout');
    });

    test('counts the labels controllers add to their pods: a Service for one StatefulSet pod, or for a Job\'s pods', () => {
      const m = seedManifests();
      const deployment = pick(m, 'Deployment', 'myapp');
      m.splice(m.indexOf(deployment), 1, { ...deployment, kind: 'StatefulSet' });
      const service = pick(m, 'Service', 'myapp');
      service.spec.selector = { 'app.kubernetes.io/name': 'myapp', 'statefulset.kubernetes.io/pod-name': 'myapp-0' };
      expect(lines(m)).toEqual([]);
      // another StatefulSet's pod name, or a Deployment's pods, don't match
      service.spec.selector = { 'app.kubernetes.io/name': 'myapp', 'statefulset.kubernetes.io/pod-name': 'other-0' };
      expect(WiringChecks.check(m).map((f) => f.rule)).toEqual([WiringRule.SERVICE_SELECTOR]);
      const d = seedManifests();
      pick(d, 'Service', 'myapp').spec.selector = { 'app.kubernetes.io/name': 'myapp', 'statefulset.kubernetes.io/pod-name': 'myapp-0' };
      expect(WiringChecks.check(d).map((f) => f.rule)).toEqual([WiringRule.SERVICE_SELECTOR]);
      const j = seedManifests();
      const job = pick(j, 'Deployment', 'myapp');
      j.splice(j.indexOf(job), 1, { ...job, apiVersion: 'batch/v1', kind: 'Job' });
      pick(j, 'Service', 'myapp').spec.selector = { 'batch.kubernetes.io/job-name': 'myapp' };
      expect(lines(j)).toEqual([]);
      // the label holds the Job's own name
      pick(j, 'Service', 'myapp').spec.selector = { 'batch.kubernetes.io/job-name': 'other' };
      expect(WiringChecks.check(j).map((f) => f.rule)).toEqual([WiringRule.SERVICE_SELECTOR]);
      // a CronJob's Jobs are named <cronjob>-<minutes>, never the CronJob's own name
      const c = seedManifests();
      const cronApp = pick(c, 'Deployment', 'myapp');
      c.splice(c.indexOf(cronApp), 1, { apiVersion: 'batch/v1', kind: 'CronJob', metadata: cronApp.metadata, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: cronApp.spec.template } } } });
      pick(c, 'Service', 'myapp').spec.selector = { 'job-name': 'myapp' };
      expect(WiringChecks.check(c).map((f) => f.rule)).toEqual([WiringRule.SERVICE_SELECTOR]);
      pick(c, 'Service', 'myapp').spec.selector = { 'job-name': 'myapp-29012345' };
      expect(lines(c)).toEqual([]);
      // a bare ReplicaSet's pods get no pod-template-hash (the Deployment controller writes it)
      const r = seedManifests();
      const rs = pick(r, 'Deployment', 'myapp');
      r.splice(r.indexOf(rs), 1, { ...rs, kind: 'ReplicaSet' });
      pick(r, 'Service', 'myapp').spec.selector = { 'app.kubernetes.io/name': 'myapp', 'pod-template-hash': '5d8f' };
      expect(WiringChecks.check(r).map((f) => f.rule)).toEqual([WiringRule.SERVICE_SELECTOR]);
    });

    test('does not select pods of another namespace', () => {
      const m = seedManifests();
      pick(m, 'Deployment', 'myapp').metadata.namespace = 'elsewhere';
      expect(WiringChecks.check(m).map((f) => f.rule)).toEqual([WiringRule.SERVICE_SELECTOR]);
    });
  });

  describe('service-target-port', () => {
    test('fires when a named targetPort is not a container port name', () => {
      const m = seedManifests();
      pick(m, 'Service', 'myapp').spec.ports[0].targetPort = 'web';
      expect(lines(m)).toEqual([
        'service-target-port: Service myapp/myapp sends port 8000 to the container port named "web", but Deployment myapp/myapp declares only the named ports "http"; name the container port "web" or set targetPort to one the pods declare',
      ]);
    });

    test('counts the port of the sidecar Istio injects (a Service for Envoy\'s metrics), by pod label or namespace label', () => {
      const metrics = (m: any[]) => {
        m.push({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'myapp-envoy', namespace: 'myapp' },
          spec: { selector: pick(m, 'Deployment', 'myapp').spec.template.metadata.labels, ports: [{ name: 'http-envoy-prom', port: 15090, targetPort: 'http-envoy-prom' }] },
        });
        return m;
      };
      const withoutInjection = () => {
        const m = seedManifests();
        delete m.find((o: any) => o.kind === 'Namespace' && o.metadata.name === 'myapp').metadata.labels['istio-injection'];
        return m;
      };
      // the seed's namespace is labelled for injection
      expect(lines(metrics(seedManifests())).filter((l) => l.startsWith('service-target-port'))).toEqual([]);
      expect(lines(metrics(withoutInjection())).filter((l) => l.startsWith('service-target-port'))).toHaveLength(1);
      const byLabel = metrics(withoutInjection());
      pick(byLabel, 'Deployment', 'myapp').spec.template.metadata.labels['sidecar.istio.io/inject'] = 'true';
      expect(lines(byLabel).filter((l) => l.startsWith('service-target-port'))).toEqual([]);
      const optedOut = metrics(seedManifests());
      pick(optedOut, 'Deployment', 'myapp').spec.template.metadata.labels['sidecar.istio.io/inject'] = 'false';
      expect(lines(optedOut).filter((l) => l.startsWith('service-target-port'))).toHaveLength(1);
      // a namespace made outside the manifests may be labelled for injection: the port may be there
      const elsewhere = metrics(seedManifests()).filter((o: any) => !(o.kind === 'Namespace' && o.metadata.name === 'myapp'));
      expect(lines(elsewhere).filter((l) => l.startsWith('service-target-port'))).toEqual([]);
    });

    test('counts the named ports of sidecar init containers (restartPolicy: Always) only, as the endpoint controller does', () => {
      const m = seedManifests();
      pick(m, 'Service', 'myapp').spec.ports[0].targetPort = 'proxy';
      const spec = pick(m, 'Deployment', 'myapp').spec.template.spec;
      spec.initContainers = [{ name: 'proxy', image: 'proxy:1', ports: [{ name: 'proxy', containerPort: 9000 }] }];
      expect(WiringChecks.check(m).map((f) => f.rule)).toEqual([WiringRule.SERVICE_TARGET_PORT]);
      spec.initContainers[0].restartPolicy = 'Always';
      expect(lines(m)).toEqual([]);
    });

    test('fires when a numeric targetPort is not declared by the pods', () => {
      const m = seedManifests();
      pick(m, 'Service', 'oauth2-proxy').spec.ports[0].targetPort = 8080;
      expect(lines(m)).toEqual([
        'service-target-port: Service myapp/oauth2-proxy sends port 4180 to container port 8080, but Deployment myapp/oauth2-proxy declares only 4180; '
        + 'declare port 8080 on the container that listens on it, or set targetPort to the port the container listens on (it declares 4180)',
      ]);
      // Kubernetes sends traffic to undeclared ports all the same: a warning (a named port must exist: an error)
      expect(WiringChecks.check(m).map((f) => f.severity)).toEqual([WiringSeverity.WARNING]);
    });

    test('counts the ports of a marin3r-injected Envoy, which the Deployment does not declare', () => {
      const m = seedManifests();
      m.push({ apiVersion: 'operator.marin3r.3scale.net/v1alpha1', kind: 'DiscoveryService', metadata: { name: 'instance', namespace: 'myapp' }, spec: {} });
      const template = pick(m, 'Deployment', 'oauth2-proxy').spec.template;
      template.metadata.labels['marin3r.3scale.net/status'] = 'enabled';
      template.metadata.annotations = { 'marin3r.3scale.net/ports': 'envoy-https:8443,envoy-stats:9902:TCP' };
      const service = pick(m, 'Service', 'oauth2-proxy');
      service.spec.ports = [{ name: 'https', port: 443, targetPort: 8443 }, { name: 'stats', port: 9902, targetPort: 'envoy-stats' }];
      pick(m, 'VirtualService', 'oauth2-proxy').spec.http[0].route[0].destination.port.number = 443;
      expect(lines(m)).toEqual([]);
      delete template.metadata.labels['marin3r.3scale.net/status'];
      expect(WiringChecks.check(m).map((f) => f.rule)).toEqual([WiringRule.SERVICE_TARGET_PORT, WiringRule.SERVICE_TARGET_PORT]);
    });

    test('counts the admin port marin3r always declares on its Envoy, and the shutdown manager\'s 8090', () => {
      const m = seedManifests();
      m.push({ apiVersion: 'operator.marin3r.3scale.net/v1alpha1', kind: 'DiscoveryService', metadata: { name: 'instance', namespace: 'myapp' }, spec: {} });
      const template = pick(m, 'Deployment', 'oauth2-proxy').spec.template;
      template.metadata.labels['marin3r.3scale.net/status'] = 'enabled';
      template.metadata.annotations = { 'marin3r.3scale.net/ports': 'envoy-https:8443', 'marin3r.3scale.net/admin.port': '9001', 'marin3r.3scale.net/shutdown-manager.enabled': 'true' };
      const service = pick(m, 'Service', 'oauth2-proxy');
      service.spec.ports = [{ name: 'https', port: 443, targetPort: 8443 }, { name: 'admin', port: 9001, targetPort: 'admin' }, { name: 'shutdown', port: 8090, targetPort: 8090 }];
      pick(m, 'VirtualService', 'oauth2-proxy').spec.http[0].route[0].destination.port.number = 443;
      expect(lines(m)).toEqual([]);
      // without the shutdown manager nothing serves 8090; the admin port name is Envoy's either way
      template.metadata.annotations['marin3r.3scale.net/shutdown-manager.enabled'] = 'false';
      expect(WiringChecks.check(m).map((f) => [f.rule, f.path])).toEqual([[WiringRule.SERVICE_TARGET_PORT, '/spec/ports/2/targetPort']]);
      // marin3r reads the flag as Go's ParseBool does, and the manager's port from its annotation
      template.metadata.annotations['marin3r.3scale.net/shutdown-manager.enabled'] = 'True';
      template.metadata.annotations['marin3r.3scale.net/shutdown-manager.port'] = '8091';
      service.spec.ports[2] = { name: 'shutdown', port: 8091, targetPort: 8091 };
      expect(lines(m)).toEqual([]);
    });

    test('defaults targetPort to the Service port', () => {
      const m = seedManifests();
      delete pick(m, 'Service', 'oauth2-proxy').spec.ports[0].targetPort;
      expect(lines(m)).toEqual([]);
    });
  });

  describe('namespaces', () => {
    test('puts objects without a namespace in the context\'s default namespace', () => {
      const m = seedManifests();
      for (const o of m) if (o.metadata.namespace === 'myapp') delete o.metadata.namespace;
      expect(lines(m)).toEqual([
        'destination-service: VirtualService default/oauth2-proxy routes to "oauth2-proxy.myapp.svc.cluster.local", i.e. Service myapp/oauth2-proxy, which doesn\'t exist; Service default/oauth2-proxy has that name in another namespace; route to "oauth2-proxy.default.svc.cluster.local"',
      ]);
      expect(WiringChecks.check(m, { defaultNamespace: 'myapp' })).toEqual([]);
    });

    test('point at the offending field and carry the object', () => {
      const m = seedManifests();
      pick(m, 'VirtualService', 'myapp').spec.http[0].route[0].destination.port.number = 80;
      const [finding] = WiringChecks.check(m);
      expect(finding.path).toBe('/spec/http/0/route/0/destination/port/number');
      expect(finding.manifest).toBe(pick(m, 'VirtualService', 'myapp'));
      expect(finding.subject).toEqual({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: 'myapp', name: 'myapp' });
      expect(finding.related).toEqual({ apiVersion: 'v1', kind: 'Service', namespace: 'myapp', name: 'myapp' });
    });
  });

  describe('odd input', () => {
    test('expands List objects', () => {
      expect(WiringChecks.analyze([{ apiVersion: 'v1', kind: 'List', items: seedManifests() }]).checkedCount).toBe(11);
    });

    test('ignores kinds of other API groups, such as the Kubernetes Gateway API', () => {
      const report = WiringChecks.analyze([{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g' }, spec: { listeners: [] } }]);
      expect(report).toMatchObject({ checkedCount: 0, ignoredCount: 1, ignoredKinds: { Gateway: 1 }, findings: [] });
    });

    test('never throws, whatever it is given', () => {
      const junk: any[] = [null, undefined, 1, 'x', [], [[]], true, {}, { kind: 5 }, { kind: 'Service' }, { kind: 'Service', metadata: null },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: 'x', ports: 'y' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 't' }, spec: { selector: { a: 1, b: 'c' }, ports: [null, { port: 'x', targetPort: {} }] } },
        { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'g' }, spec: { selector: [], servers: [null, { hosts: 'x', port: 5, tls: [] }, { hosts: [1, null], port: { name: 7 } }] } },
        { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v' }, spec: { gateways: [1, 'g', '/'], hosts: {}, http: [{ route: [{ destination: 'x' }, { destination: { host: 5 } }], match: 'y' }], tcp: 3 } },
        { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'a', namespace: 'istio-system' }, spec: { selector: { matchLabels: { istio: 'ingressgateway' } }, rules: [{ to: [{ operation: { hosts: [null, 3, 'x.example.com:443'] } }] }] } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { metadata: { labels: [] }, spec: { containers: [null, { ports: 'p' }] } } } },
        { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c' }, spec: { dnsNames: 'x', secretName: 4 } },
        { kind: 'List', items: [{ kind: 'List', items: 'nope' }] },
        // names every JavaScript object has
        { apiVersion: 'apps/v1', kind: 'constructor', metadata: { name: 'k' } }, { apiVersion: 'v1', kind: 'toString', metadata: { name: 'k' } },
        { apiVersion: 'v1', kind: '__proto__', metadata: { name: 'k' } }];
      expect(() => WiringChecks.analyze(junk)).not.toThrow();
      expect(WiringChecks.analyze(junk).ignoredKinds).toEqual(expect.objectContaining({ constructor: 1, toString: 1, __proto__: 1 }));
      // and reads all of it: no check had to give up on an object
      expect(WiringChecks.analyze(junk).abandonedChecks).toBe(0);
      expect(() => WiringChecks.analyze(junk, { ingressGateways: [null as any, { namespace: 5 } as any], clusterDomain: 7 as any })).not.toThrow();
      expect(() => WiringChecks.analyze('not an array' as any, 'nor a context' as any)).not.toThrow();
      expect(WiringChecks.analyze(junk).ignoredCount).toBeGreaterThan(0);
    });
  });
});
