/**
 * The objects of seed 001's oauth2-proxy scenario as plain JSON, wired correctly: the app and
 * oauth2-proxy behind the Istio ingress, each host on a Gateway of its own as in the seed, the
 * app's with the seed's wildcard certificate and oauth2-proxy's with a certificate of its own (the
 * same certificate on both would be `gateway-shared-certificate`). Tests break one reference at
 * a time.
 */
export function seedManifests(): any[] {
  const workload = (name: string, labels: Record<string, string>, port: { name: string; containerPort: number }) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'myapp' },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name, image: `${name}:1`, ports: [port] }] } },
    },
  });
  const service = (name: string, selector: Record<string, string>, port: number, targetPort: number | string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'myapp' },
    spec: { selector, ports: [{ name: 'http', port, targetPort }] },
  });
  const gateway = (name: string, host: string, credentialName: string) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'myapp' },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{
        hosts: [host],
        port: { name: `https-${host.replace(/\./g, '-')}`, number: 443, protocol: 'HTTPS' },
        tls: { mode: 'SIMPLE', credentialName },
      }],
    },
  });
  const virtualService = (name: string, host: string, destination: string, port: number) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'myapp' },
    spec: { gateways: [name], hosts: [host], http: [{ route: [{ destination: { host: destination, port: { number: port } } }] }] },
  });
  const certificate = (name: string, dnsName: string) => ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name, namespace: 'istio-system' },
    spec: { dnsNames: [dnsName], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-production' }, secretName: name },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'myapp', labels: { 'istio-injection': 'enabled' } } },
    certificate('tls-myapp-production', 'myapp.cluster.example.com'),
    workload('myapp', { 'app.kubernetes.io/name': 'myapp' }, { name: 'http', containerPort: 80 }),
    service('myapp', { 'app.kubernetes.io/name': 'myapp' }, 8000, 'http'),
    gateway('myapp', 'myapp.cluster.example.com', 'tls-myapp-production'),
    virtualService('myapp', 'myapp.cluster.example.com', 'myapp', 8000),
    workload('oauth2-proxy', { 'app.kubernetes.io/name': 'oauth2-proxy' }, { name: 'http', containerPort: 4180 }),
    service('oauth2-proxy', { 'app.kubernetes.io/name': 'oauth2-proxy' }, 4180, 4180),
    certificate('tls-oauth-production', 'oauth.cluster.example.com'),
    gateway('oauth2-proxy', 'oauth.cluster.example.com', 'tls-oauth-production'),
    virtualService('oauth2-proxy', 'oauth.cluster.example.com', 'oauth2-proxy.myapp.svc.cluster.local', 4180),
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'myapp-oauth2-proxy', namespace: 'istio-system' },
      spec: {
        selector: { matchLabels: { istio: 'ingressgateway' } },
        action: 'CUSTOM',
        provider: { name: 'oauth2-proxy-myapp' },
        rules: [{ to: [{ operation: { hosts: ['myapp.cluster.example.com', 'myapp.cluster.example.com:*'], notPaths: ['/oauth2/*'] } }] }],
      },
    },
  ];
}

/** Finds the fixture object of a kind and name. */
export function pick(manifests: any[], kind: string, name: string): any {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`fixture has no ${kind} ${name}`);
  return found;
}
