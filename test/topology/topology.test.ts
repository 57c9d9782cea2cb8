import { spawnSync } from 'child_process';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { KuardMarin3rChart } from '../../examples/envoy-tls-offload';
import { IstioPrometheusChart } from '../../examples/istio-prometheus';
import { OAuth2ProxyChart } from '../../examples/oauth2-proxy';
import { SigSciEnvoyChart, SigSciServiceChart } from '../../examples/sigsci';
import { Topology, TopologyNodeKind } from '../../src';
import { expectSchemaValid, synthApp } from '../harness';
import { buildMistakesApp } from '../validation/fixtures/mistakes-app';

/** The topology of one example chart, after checking its objects against their schemas. */
function topologyOf(add: (app: ReturnType<typeof Testing.app>) => void): Topology {
  const app = Testing.app();
  add(app);
  expectSchemaValid(synthApp(app));
  return Topology.ofApp(app);
}

/** Edges as `source label -> target label [edge label]`. */
function edges(t: Topology): string[] {
  const label = (id: string) => t.nodes.find((n) => n.id === id)!.label.replace(/\n/g, ' | ');
  return t.edges.map((e) => `${label(e.source)} -> ${label(e.target)}${e.label ? ` [${e.label}]` : ''}`);
}

/** Checks Mermaid flowchart text line by line against the subset of the syntax the renderer writes. */
function mermaidProblems(text: string): string[] {
  const problems: string[] = [];
  const declared = new Set<string>();
  const label = '"(?:[^"<>`]|<br/>)*"';
  const shapes = [`\\(\\[${label}\\]\\)`, `\\{\\{${label}\\}\\}`, `\\[/${label}/\\]`, `\\(${label}\\)`, `>${label}\\]`, `\\[${label}\\]`,
    `\\[\\[${label}\\]\\]`, `\\[\\(${label}\\)\\]`, `\\{${label}\\}`, `\\[\\\\${label}\\\\\\]`, `\\(\\(${label}\\)\\)`];
  const nodeRe = new RegExp(`^\\s+(n_\\w+)(?:${shapes.join('|')})$`);
  const edgeRe = new RegExp(`^\\s+(n_\\w+) (?:-->|-\\.->)(?:\\|${label}\\|)? (n_\\w+)$`);
  let depth = 0;
  const lines = text.trimEnd().split('\n');
  if (lines[0] !== 'flowchart LR') problems.push(`first line: ${lines[0]}`);
  for (const line of lines.slice(1)) {
    let m: RegExpExecArray | null;
    if ((m = nodeRe.exec(line))) {declared.add(m[1]);} else if ((m = new RegExp(`^\\s+subgraph (n_\\w+)\\[${label}\\]$`).exec(line))) { declared.add(m[1]); depth++; } else if (/^\s+end$/.test(line)) {depth--;} else if (/^\s+direction TB$/.test(line)) {continue;} else if ((m = edgeRe.exec(line))) {
      for (const id of [m[1], m[2]]) if (!declared.has(id)) problems.push(`edge to undeclared ${id}: ${line}`);
    } else if (/^\s+classDef \w+ [\w:#,-]+$/.test(line)) {continue;} else if ((m = /^\s+class ([\w,]+) \w+$/.exec(line))) {
      for (const id of m[1].split(',')) if (!declared.has(id)) problems.push(`class of undeclared ${id}`);
    } else {problems.push(`not understood: ${line}`);}
    if (depth < 0) problems.push('"end" without subgraph');
  }
  if (depth !== 0) problems.push('unclosed subgraph');
  for (const id of declared) if (/^(end|graph|subgraph|flowchart)$/.test(id)) problems.push(`reserved id ${id}`);
  return problems;
}

describe('Topology infers Istio injection as the webhook selects pods', () => {
  /** The roles of the containers of one Deployment in a namespace with `nsLabels`, whose pod template has `labels` and `annotations`. */
  function roles(nsLabels: Record<string, string>, labels: Record<string, string>, annotations: Record<string, string>): string[] {
    const t = topologyOf((app) => {
      const chart = new Chart(app, 'c');
      new kplus.Namespace(chart, 'ns', { metadata: { name: 'shop', labels: nsLabels } });
      new kplus.Deployment(chart, 'web', {
        metadata: { name: 'web', namespace: 'shop' },
        podMetadata: { labels, annotations },
        containers: [{ name: 'web', image: 'web:1.0.0', ports: [{ number: 8080 }], securityContext: { user: 1000 } }],
      });
    });
    return t.nodes.filter((n) => n.kind === TopologyNodeKind.CONTAINER).map((n) => n.role ?? '').sort();
  }
  const INJECT = 'sidecar.istio.io/inject';

  test.each<[string, Record<string, string>, Record<string, string>, Record<string, string>, boolean]>([
    ['the pod label in a plain namespace', {}, { [INJECT]: 'true' }, {}, true],
    ['the annotation alone in a plain namespace (not a selector)', {}, {}, { [INJECT]: 'true' }, false],
    ['an injection-enabled namespace', { 'istio-injection': 'enabled' }, {}, {}, true],
    ['a revision label on the namespace', { 'istio.io/rev': 'stable' }, {}, {}, true],
    ['a revision label on the pod in a plain namespace', {}, { 'istio.io/rev': 'canary' }, {}, true],
    ['the pod label in a namespace labelled istio-injection: disabled (the webhooks that select pods need no namespace label)', { 'istio-injection': 'disabled' }, { [INJECT]: 'true' }, {}, false],
    ['a pod revision label in a namespace labelled istio-injection: disabled', { 'istio-injection': 'disabled' }, { 'istio.io/rev': 'canary' }, {}, false],
    ['istio-injection and istio.io/rev on one namespace: the legacy label decides', { 'istio-injection': 'disabled', 'istio.io/rev': 'stable' }, {}, {}, false],
    ['the label opting out with "False" (any value but y, yes, true, on)', { 'istio-injection': 'enabled' }, { [INJECT]: 'False' }, {}, false],
    ['the annotation opting out with "no"', { 'istio-injection': 'enabled' }, {}, { [INJECT]: 'no' }, false],
    ['the annotation opting out in an enabled namespace', { 'istio-injection': 'enabled' }, {}, { [INJECT]: 'false' }, false],
    ['the label opting out in an enabled namespace', { 'istio-injection': 'enabled' }, { [INJECT]: 'false' }, {}, false],
  ])('%s', (_what, nsLabels, labels, annotations, injected) => {
    expect(roles(nsLabels, labels, annotations).includes('istio-proxy')).toBe(injected);
  });
});

describe('Topology', () => {
  describe('of the oauth2-proxy example', () => {
    const t = topologyOf((app) => new OAuth2ProxyChart(app, 'oauth2-proxy'));

    test('follows the traffic from the ingress gateway to the app\'s container', () => {
      expect(edges(t)).toEqual(expect.arrayContaining([
        'ingress gateway | istio-system/{app=istio-ingressgateway, istio=ingressgateway} -> Gateway myapp/myapp',
        'Gateway myapp/myapp -> VirtualService myapp/myapp',
        'VirtualService myapp/myapp -> Service myapp/myapp [routes]',
        'Service myapp/myapp -> myapp | kuard-amd64:v0.10.0-blue [:8080]',
        'Gateway myapp/myapp -> Certificate istio-system/tls-myapp-production [TLS]',
      ]));
    });

    test('shows the ext_authz check going to oauth2-proxy, and oauth2-proxy calling Redis and the IdP', () => {
      expect(edges(t)).toEqual(expect.arrayContaining([
        'ingress gateway | istio-system/{app=istio-ingressgateway, istio=ingressgateway} -> AuthorizationPolicy istio-system/ext-authz-myapp-myapp [checks]',
        'AuthorizationPolicy istio-system/ext-authz-myapp-myapp -> Service myapp/oauth2-proxy [ext_authz]',
        'Deployment myapp/oauth2-proxy -> Service myapp/oauth2-proxy-redis [calls :6379]',
        'Deployment myapp/oauth2-proxy -> ServiceEntry myapp/oauth2-proxy-idp [egress]',
      ]));
      expect(t.nodes.find((n) => n.label.startsWith('Redis · Deployment myapp/oauth2-proxy-redis'))?.kind).toBe(TopologyNodeKind.WORKLOAD);
    });

    test('draws the containers of each pod, including the Istio proxy the namespace label injects', () => {
      const containers = t.nodes.filter((n) => n.kind === TopologyNodeKind.CONTAINER && n.parent === t.nodes.find((w) => w.label === 'Deployment myapp/oauth2-proxy')!.id);
      expect(containers.map((c) => `${c.label.split('\n')[0]} (${c.role})`)).toEqual(['oauth2-proxy (oauth2-proxy)', 'istio-proxy (istio-proxy)']);
    });

    test('writes Mermaid the flowchart grammar accepts', () => {
      expect(mermaidProblems(t.toMermaid())).toEqual([]);
    });

    test('writes DOT that Graphviz renders', () => {
      const found = spawnSync('sh', ['-c', 'command -v dot'], { encoding: 'utf8' });
      if (found.status !== 0) throw new Error('dot is missing: run scripts/ensure-debs.sh (or `apt-get install graphviz`)');
      const result = spawnSync('dot', ['-Tsvg'], { input: t.toDot(), encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('<title>n_Gateway_myapp_myapp</title>');
    });
  });

  test('follows an Envoy sidecar\'s clusters to the app and to the WAF agent (ext_authz)', () => {
    const t = topologyOf((app) => new SigSciEnvoyChart(app, 'sigsci-envoy'));
    expect(edges(t)).toEqual(expect.arrayContaining([
      'Service sigsci-envoy/helloworld -> envoy | envoy:v1.39.6 [:8000]',
      'envoy | envoy:v1.39.6 -> cluster local-app [upstream]',
      'cluster local-app -> helloworld | example-helloworld:latest',
      'envoy | envoy:v1.39.6 -> cluster sigsci-agent-grpc [ext_authz]',
      'cluster sigsci-agent-grpc -> sigsci-agent | sigsci-agent:4.75.0',
    ]));
  });

  test('follows a cluster to the agent Service when the agent runs as its own Deployment', () => {
    const t = topologyOf((app) => new SigSciServiceChart(app, 'sigsci-service'));
    expect(edges(t)).toEqual(expect.arrayContaining([
      'cluster sigsci-agent-grpc -> Service sigsci-service/sigsci-agent',
      'Service sigsci-service/sigsci-agent -> sigsci-agent | sigsci-agent:4.75.0 [:9999]',
    ]));
  });

  test('reads marin3r\'s injected Envoy and its EnvoyConfig clusters', () => {
    const t = topologyOf((app) => new KuardMarin3rChart(app, 'kuard-marin3r'));
    const envoy = t.nodes.find((n) => n.label.startsWith('envoy-sidecar\n'));
    expect(envoy?.label).toBe('envoy-sidecar\n(injected by marin3r)');
    expect(t.edges.filter((e) => e.source === envoy!.id).length).toBeGreaterThan(0);
    // the Service targets the Envoy marin3r injects (its ports come from the marin3r.3scale.net/ports annotation)
    expect(edges(t)).toContain('Service kuard-marin3r/kuard -> envoy-sidecar | (injected by marin3r) [:8443]');
  });

  test('marks Prometheus\'s Istio sidecar as a certificate sidecar', () => {
    const t = topologyOf((app) => new IstioPrometheusChart(app, 'istio-prometheus'));
    expect(t.nodes.filter((n) => n.role === 'cert-sidecar').map((n) => n.label)).toEqual(['istio-proxy\n(injected by Istio: writes mTLS certificates, no traffic)']);
  });

  describe('of an app with mistakes', () => {
    const t = topologyOf((app) => buildMistakesApp(app));

    test('marks the objects that failed a check', () => {
      expect(t.nodes.filter((n) => n.failed).map((n) => n.label).sort()).toEqual(['EnvoyFilter istio-system/shop-ext-authz', 'Service shop/web', 'VirtualService shop/shop']);
    });

    test('draws the failed objects red in both formats', () => {
      const failedIds = t.nodes.filter((n) => n.failed).map((n) => n.id);
      const mermaid = t.toMermaid();
      const failedLine = mermaid.split('\n').find((l) => l.endsWith(' failed') && l.trim().startsWith('class '))!;
      expect(failedLine.trim().split(' ')[1].split(',').sort()).toEqual([...failedIds].sort());
      expect(mermaidProblems(mermaid)).toEqual([]);
      for (const id of failedIds) expect(t.toDot()).toMatch(new RegExp(`"${id}" \\[[^\\]]*color="#c62828"`));
    });

    test('leaves the broken references undrawn: no Gateway leads to the VirtualService, no pods behind the Service', () => {
      const vs = t.nodes.find((n) => n.label === 'VirtualService shop/shop')!;
      const svc = t.nodes.find((n) => n.label === 'Service shop/web')!;
      expect(t.edges.filter((e) => e.target === vs.id)).toEqual([]);
      expect(t.edges.filter((e) => e.source === svc.id)).toEqual([]);
    });
  });

  test('draws the pods of other kinds with a pod template (an Argo Rollout), as the wiring checks read them', () => {
    const t = Topology.ofManifests([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { strategy: { canary: {} }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1.0.0', ports: [{ containerPort: 8080 }] }] } } },
      },
    ]);
    expect(edges(t)).toEqual(expect.arrayContaining([expect.stringMatching(/^Service shop\/web -> web \| web:1\.0\.0 \[:8080\]$/)]));
  });

  test('reads an empty namespace (Helm leaves one when a value is unset) as the default namespace, as Kubernetes does: one node per object', () => {
    const t = Topology.ofManifests([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: '' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1.0.0', ports: [{ containerPort: 8080 }] }] } } },
      },
    ]);
    expect(t.nodes.filter((n) => n.label.startsWith('Service')).map((n) => n.label)).toEqual(['Service default/web']);
    // and the Service's port resolves to the container's, as for any namespace
    expect(edges(t)).toEqual(['Service default/web -> web | web:1.0.0 [:8080]']);
  });

  test('escapes labels for Mermaid and DOT', () => {
    const t = Topology.ofManifests([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a"b<c>#d`e\\f', namespace: 'n' }, spec: {} }]);
    expect(t.toMermaid()).toContain('("Service n/a#quot;b#lt;c#gt;#35;d#96;e\\f")');
    expect(t.toDot()).toContain('label="Service n/a\\"b<c>#d`e\\\\f"');
    expect(mermaidProblems(t.toMermaid())).toEqual([]);
  });
});
