/**
 * Builds the topology of a set of manifests from one run of the manifest checks: the links the
 * wiring checks resolved (ingress → Gateway → VirtualService → Service → workload), the containers
 * of each pod (declared, and the sidecars webhooks inject), the upstream clusters of each Envoy
 * and where they lead, the ext_authz targets (AuthorizationPolicy CUSTOM providers, EnvoyFilter
 * ext_authz patches, Envoy ext_authz filters), the Services a workload's configuration calls
 * (Redis, for instance), and the objects that failed a check.
 */
import { parse as parseYaml } from 'yaml';
import { TopologyEdge, TopologyNode, TopologyNodeKind } from './model';
import { istioInjects, marin3rPorts } from '../common/injection';
import { selects } from '../common/labels';
import { manifestNamespace } from '../common/objects';
import { ManifestRun } from '../validation/manifests/checks';
import { findEnvoyConfigs } from '../validation/manifests/envoy-configs';
import { DEFAULT_GATEWAYS, podTemplatePath } from '../validation/wiring/engine';
import { exportedTo } from '../validation/wiring/hosts';
import { WiringObjectRef } from '../validation/wiring/model';

/** Nodes and edges. @internal */
export interface TopologyGraph {
  readonly nodes: TopologyNode[];
  readonly edges: TopologyEdge[];
}

type Json = Record<string, any>;

const EXT_AUTHZ_TYPE = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
const GRPC_ACCESS_LOG_TYPE = 'envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig';

interface Workload {
  readonly json: Json;
  readonly ref: WiringObjectRef;
  readonly namespace: string;
  readonly pod: Json;
  readonly id: string;
  /** container name → node id */
  readonly containers: Map<string, string>;
  /** container port number → container name */
  readonly ports: Map<number, string>;
}

/** Builds the topology of the manifests a run checked. @internal */
export function buildTopology(run: ManifestRun): TopologyGraph {
  return new Builder(run).build();
}

class Builder {
  private readonly nodes = new Map<string, TopologyNode>();
  private readonly edges: TopologyEdge[] = [];
  private readonly edgeKeys = new Set<string>();
  private readonly usedIds = new Set<string>();
  private readonly idByKey = new Map<string, string>();
  private readonly failed = new Set<string>();
  private readonly manifests: Json[];
  private readonly defaultNamespace: string;
  private readonly clusterDomain: string;
  private readonly workloads: Workload[] = [];

  constructor(private readonly run: ManifestRun) {
    this.manifests = flatten(run.documents.map((d) => d.manifest)).filter((m): m is Json => typeof obj(m)?.kind === 'string');
    this.defaultNamespace = run.options.defaultNamespace || 'default';
    this.clusterDomain = (run.options.clusterDomain || 'cluster.local').replace(/\.$/, '');
    for (const f of run.report.findings) {
      if (f.severity === 'error' && f.object) this.failed.add(refKey(f.object));
    }
  }

  public build(): TopologyGraph {
    // the objects the traffic passes, even when nothing links them (a broken one shows, in red)
    for (const m of this.manifests) {
      const kind = this.kindOf(m);
      if (kind) this.objectNode(this.refOf(m), kind);
    }
    // the workloads as the wiring checks read them
    for (const m of this.manifests) {
      const template = podTemplatePath(m);
      if (template) this.addWorkload(m, template);
    }
    for (const link of this.run.report.links) this.addLink(link.source, link.target, link.relation);
    for (const w of this.workloads) this.addEnvoy(w);
    this.addExtAuthzPolicies();
    this.addEnvoyFilters();
    for (const w of this.workloads) this.addCalls(w);
    return { nodes: [...this.nodes.values()], edges: this.edges };
  }

  // -----------------------------------------------------------------------------------------------
  // nodes and edges

  private kindOf(m: Json): TopologyNodeKind | undefined {
    const group = String(m.apiVersion ?? '').split('/')[0];
    if (group === 'networking.istio.io' && m.kind === 'Gateway') return TopologyNodeKind.GATEWAY;
    if (group === 'networking.istio.io' && m.kind === 'VirtualService') return TopologyNodeKind.VIRTUAL_SERVICE;
    if (m.kind === 'Service' && !String(m.apiVersion).includes('/')) return TopologyNodeKind.SERVICE;
    return undefined;
  }

  /** An object's namespace: an empty one is none, as Kubernetes (and the wiring checks) read it. */
  private namespaceOf(m: Json): string {
    return manifestNamespace(m, this.defaultNamespace);
  }

  private refOf(m: Json): WiringObjectRef {
    return { apiVersion: m.apiVersion, kind: m.kind, name: String(m.metadata?.name ?? '<unnamed>'), namespace: this.namespaceOf(m) };
  }

  private id(key: string, hint: string): string {
    const existing = this.idByKey.get(key);
    if (existing) return existing;
    const base = hint.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'node';
    let id = `n_${base}`;
    for (let i = 2; this.usedIds.has(id); i++) id = `n_${base}_${i}`;
    this.usedIds.add(id);
    this.idByKey.set(key, id);
    return id;
  }

  private node(key: string, node: Omit<TopologyNode, 'id'>, hint: string): string {
    const id = this.id(key, hint);
    if (!this.nodes.has(id)) this.nodes.set(id, { id, ...node });
    return id;
  }

  private objectNode(ref: WiringObjectRef, kind: TopologyNodeKind, extra: Partial<TopologyNode> = {}): string {
    const key = refKey(ref);
    const label = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
    return this.node(key, { kind, label, failed: this.failed.has(key), object: ref, ...extra }, `${ref.kind}_${ref.namespace ?? ''}_${ref.name}`);
  }

  private edge(source: string, target: string, label: string, dashed = false): void {
    const key = `${source}>${target}>${label}`;
    if (source === target || this.edgeKeys.has(key)) return;
    this.edgeKeys.add(key);
    this.edges.push({ source, target, label, dashed });
  }

  private ingressNode(ref: WiringObjectRef): string {
    if (ref.kind !== 'Pod') {
      const w = this.workloads.find((x) => refKey(x.ref) === refKey(ref));
      if (w) return w.id;
    }
    return this.node(`ingress:${ref.namespace}:${ref.name}`, { kind: TopologyNodeKind.INGRESS, label: `ingress gateway\n${ref.namespace}/${ref.name}`, failed: false }, `ingress_${ref.namespace}`);
  }

  private addLink(source: WiringObjectRef, target: WiringObjectRef, relation: string): void {
    switch (`${source.kind}:${relation}`) {
      case 'Gateway:selects':
        this.edge(this.ingressNode(target), this.objectNode(source, TopologyNodeKind.GATEWAY), '');
        break;
      case 'VirtualService:binds':
        this.edge(this.objectNode(target, TopologyNodeKind.GATEWAY), this.objectNode(source, TopologyNodeKind.VIRTUAL_SERVICE), '');
        break;
      case 'VirtualService:routes':
        this.edge(this.objectNode(source, TopologyNodeKind.VIRTUAL_SERVICE),
          this.objectNode(target, target.kind === 'ServiceEntry' ? TopologyNodeKind.SERVICE_ENTRY : TopologyNodeKind.SERVICE), 'routes');
        break;
      case 'Service:selects': {
        const w = this.workloads.find((x) => refKey(x.ref) === refKey(target));
        if (!w) break;
        const serviceId = this.objectNode(source, TopologyNodeKind.SERVICE);
        // to the container that serves each port (Envoy in front of the app, for instance)
        const service = this.find('Service', source.namespace ?? this.defaultNamespace, source.name);
        const targets = arr(service?.spec?.ports).map(obj).map((p) => this.containerServing(w, p?.targetPort ?? p?.port));
        if (targets.length === 0 || targets.some((t) => t === undefined)) this.edge(serviceId, w.id, '');
        for (const t of targets) if (t) this.edge(serviceId, t.id, `:${t.port}`);
        break;
      }
      case 'Gateway:credential':
        this.edge(this.objectNode(source, TopologyNodeKind.GATEWAY), this.objectNode(target, TopologyNodeKind.CERTIFICATE), 'TLS', true);
        break;
      case 'AuthorizationPolicy:protects':
        this.edge(this.ingressNode(target), this.objectNode(source, TopologyNodeKind.AUTHORIZATION_POLICY), 'checks', true);
        break;
      default:
        break;
    }
  }

  /** The container of a workload that declares a port (by number or name), or an injected container known to serve it. */
  private containerServing(w: Workload, port: unknown): { id: string; port: string } | undefined {
    for (const c of arr(obj(w.pod.spec)?.containers).map(obj)) {
      for (const p of arr(c?.ports).map(obj)) {
        if (p && (p.containerPort === port || (typeof port === 'string' && (p.name === port || String(p.containerPort) === port)))) {
          const id = w.containers.get(String(c?.name));
          if (id) return { id, port: String(p.containerPort) };
        }
      }
    }
    // a port of a container an admission webhook adds (known from its annotations, by number)
    const injected = typeof port === 'number' ? w.ports.get(port) : undefined;
    const id = injected === undefined ? undefined : w.containers.get(injected);
    return id ? { id, port: String(port) } : undefined;
  }

  // -----------------------------------------------------------------------------------------------
  // workloads and their containers

  private addWorkload(m: Json, templatePath: string[]): void {
    let pod: any = m;
    for (const k of templatePath) pod = obj(pod?.[k]);
    if (!pod) return;
    const ref = this.refOf(m);
    const images = arr(obj(pod.spec)?.containers).map((c) => String(obj(c)?.image ?? ''));
    const redis = images.some((i) => /(^|\/)redis(:|@|$)/.test(i));
    const id = this.objectNode(ref, TopologyNodeKind.WORKLOAD, redis ? { label: `Redis · ${ref.kind} ${ref.namespace}/${ref.name}` } : {});
    const w: Workload = { json: m, ref, namespace: ref.namespace!, pod, id, containers: new Map(), ports: new Map() };
    this.workloads.push(w);
    const spec = obj(pod.spec) ?? {};
    const sidecarInits = arr(spec.initContainers).filter((c) => obj(c)?.restartPolicy === 'Always');
    for (const c of [...sidecarInits, ...arr(spec.containers)]) {
      const container = obj(c);
      const name = String(container?.name ?? '');
      if (!container || !name) continue;
      const image = String(container.image ?? '');
      const role = containerRole(name, image);
      w.containers.set(name, this.node(`container:${refKey(ref)}:${name}`, {
        kind: TopologyNodeKind.CONTAINER, label: `${name}\n${shortImage(image)}`, failed: false, parent: id, role,
      }, `${ref.name}_${name}`));
      for (const p of arr(container.ports)) {
        const port = obj(p)?.containerPort;
        if (typeof port === 'number') w.ports.set(port, name);
      }
    }
    for (const injected of this.injectedContainers(pod, w.namespace)) {
      w.containers.set(injected.name, this.node(`container:${refKey(ref)}:${injected.name}`, {
        kind: TopologyNodeKind.CONTAINER, label: `${injected.name}\n(${injected.note})`, failed: false, parent: id, role: injected.role,
      }, `${ref.name}_${injected.name}`));
      for (const port of injected.ports ?? []) if (!w.ports.has(port)) w.ports.set(port, injected.name);
    }
  }

  /** Sidecars admission webhooks add: Istio's proxy (or a cert-only one), marin3r's Envoy, Speedscale's proxy. */
  private injectedContainers(pod: Json, namespace: string): Array<{ name: string; role: string; note: string; ports?: number[] }> {
    const labels = stringMap(obj(pod.metadata)?.labels);
    const annotations = stringMap(obj(pod.metadata)?.annotations);
    const out: Array<{ name: string; role: string; note: string; ports?: number[] }> = [];
    const ns = this.manifests.find((m) => m.kind === 'Namespace' && m.metadata?.name === namespace);
    if (istioInjects(labels, annotations, stringMap(ns?.metadata?.labels), namespace)) {
      const certOnly = /OUTPUT_CERTS/.test(annotations['proxy.istio.io/config'] ?? '') && annotations['traffic.sidecar.istio.io/includeOutboundIPRanges'] === '';
      out.push(certOnly
        ? { name: 'istio-proxy', role: 'cert-sidecar', note: 'injected by Istio: writes mTLS certificates, no traffic' }
        : { name: 'istio-proxy', role: 'istio-proxy', note: 'injected by Istio' });
    }
    if (labels['marin3r.3scale.net/status'] === 'enabled') {
      out.push({ name: 'envoy-sidecar', role: 'envoy', note: 'injected by marin3r', ports: marin3rPorts(labels, annotations).filter((p) => p.name !== undefined).map((p) => p.port) });
    }
    if (annotations['sidecar.speedscale.com/inject'] === 'true') out.push({ name: 'speedscale-goproxy', role: 'speedscale', note: 'injected by Speedscale' });
    return out;
  }

  // -----------------------------------------------------------------------------------------------
  // Envoy: upstream clusters and ext_authz filters of the Envoy in a workload

  private addEnvoy(w: Workload): void {
    const found = this.envoyOf(w);
    if (!found) return;
    const envoyId = w.containers.get(found.container);
    if (!envoyId) return;
    if (found.failed) {
      const node = this.nodes.get(envoyId)!;
      this.nodes.set(envoyId, { ...node, failed: true });
    }
    const roles = new Map<string, string>();
    walkJson(found.filtersAndLogs, (o) => {
      const type = typeName(o['@type']);
      if (type === EXT_AUTHZ_TYPE) {
        const cluster = o.grpc_service?.envoy_grpc?.cluster_name ?? o.grpcService?.envoyGrpc?.clusterName
          ?? o.http_service?.server_uri?.cluster ?? o.httpService?.serverUri?.cluster;
        if (typeof cluster === 'string') roles.set(cluster, 'ext_authz');
      } else if (type === GRPC_ACCESS_LOG_TYPE) {
        const cluster = o.common_config?.grpc_service?.envoy_grpc?.cluster_name ?? o.commonConfig?.grpcService?.envoyGrpc?.clusterName;
        if (typeof cluster === 'string' && !roles.has(cluster)) roles.set(cluster, 'access log');
      }
    });
    for (const cluster of found.clusters) {
      const name = typeof cluster?.name === 'string' ? cluster.name : undefined;
      if (!name) continue;
      const endpoints = clusterEndpoints(cluster);
      // the Envoy's own admin API (the stats listener's cluster) is not traffic
      if (endpoints.length > 0 && endpoints.every((e) => isLoopback(e.host) && e.port === found.adminPort)) continue;
      const clusterId = this.node(`cluster:${refKey(w.ref)}:${name}`, {
        kind: TopologyNodeKind.ENVOY_CLUSTER, label: `cluster ${name}`, failed: false, parent: w.id,
      }, `${w.ref.name}_cluster_${name}`);
      this.edge(envoyId, clusterId, roles.get(name) ?? 'upstream');
      for (const e of endpoints) {
        const target = this.resolveHost(e.host, e.port, w);
        if (target) this.edge(clusterId, target, '');
      }
    }
  }

  /** The Envoy config a workload's Envoy reads: a bootstrap in a mounted ConfigMap, or marin3r's EnvoyConfig for its node id. */
  private envoyOf(w: Workload): { container: string; clusters: any[]; filtersAndLogs: unknown; adminPort?: number; failed: boolean } | undefined {
    const spec = obj(w.pod.spec) ?? {};
    for (const v of arr(spec.volumes)) {
      const name = obj(obj(v)?.configMap)?.name;
      if (typeof name !== 'string') continue;
      const cm = this.find('ConfigMap', w.namespace, name);
      const bootstrap = cm ? findEnvoyConfigs(cm).configs.find((c) => c.typeName.endsWith('Bootstrap')) : undefined;
      if (!cm || !bootstrap) continue;
      const volumeName = obj(v)?.name;
      const container = [...arr(spec.containers)].map(obj).find((c) => arr(c?.volumeMounts).some((m) => obj(m)?.name === volumeName))?.name;
      const b = obj(bootstrap.config) ?? {};
      const resources = obj(b.static_resources ?? b.staticResources) ?? {};
      return {
        container: container ?? 'envoy',
        clusters: arr(resources.clusters),
        filtersAndLogs: resources.listeners,
        adminPort: num(b.admin?.address?.socket_address?.port_value ?? b.admin?.address?.socketAddress?.portValue),
        failed: this.failed.has(refKey(this.refOf(cm))),
      };
    }
    const annotations = stringMap(obj(w.pod.metadata)?.annotations);
    const nodeId = annotations['marin3r.3scale.net/node-id'];
    if (nodeId && stringMap(obj(w.pod.metadata)?.labels)['marin3r.3scale.net/status'] === 'enabled') {
      const ec = this.manifests.find((m) => m.kind === 'EnvoyConfig' && this.namespaceOf(m) === w.namespace && m.spec?.nodeID === nodeId);
      if (!ec) return undefined;
      const configs = findEnvoyConfigs(ec).configs;
      return {
        container: 'envoy-sidecar',
        clusters: configs.filter((c) => c.typeName.endsWith('.Cluster')).map((c) => c.config),
        filtersAndLogs: configs.filter((c) => c.typeName.endsWith('.Listener')).map((c) => c.config),
        adminPort: num(Number(annotations['marin3r.3scale.net/admin.port'] ?? 9901)),
        failed: this.failed.has(refKey(this.refOf(ec))),
      };
    }
    return undefined;
  }

  /** A host an Envoy or a workload talks to: a container of the same pod, a Service, a ServiceEntry, or an external host. */
  private resolveHost(host: string, port: number | undefined, w: Workload | undefined): string | undefined {
    if (isLoopback(host)) {
      const container = w && port !== undefined ? w.ports.get(port) : undefined;
      return container && w ? w.containers.get(container) : undefined;
    }
    const service = this.serviceOf(host, w?.namespace ?? this.defaultNamespace);
    if (service) return this.objectNode(this.refOf(service), TopologyNodeKind.SERVICE);
    const entry = this.serviceEntryFor(host, w?.namespace ?? this.defaultNamespace);
    if (entry) return this.objectNode(this.refOf(entry), TopologyNodeKind.SERVICE_ENTRY);
    if (!host.includes('.')) return undefined; // a short name that is no Service here: too ambiguous to draw
    const label = `${host}${port !== undefined ? `:${port}` : ''}`;
    return this.node(`external:${label}`, { kind: TopologyNodeKind.EXTERNAL, label, failed: false }, `ext_${label}`);
  }

  /** The ServiceEntry for a host that workloads of `namespace` see (its exportTo). */
  private serviceEntryFor(host: string, namespace: string): Json | undefined {
    return this.manifests.find((m) => m.kind === 'ServiceEntry' && arr(m.spec?.hosts).some((h) => typeof h === 'string' && hostMatches(h, host))
      && exportedTo(m.spec?.exportTo, this.namespaceOf(m), namespace));
  }

  /** The Service a host name means: `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.<cluster domain>`. */
  private serviceOf(host: string, namespace: string): Json | undefined {
    const h = host.toLowerCase().replace(/\.$/, '');
    const labels = h.split('.');
    let name: string | undefined;
    let ns = namespace;
    if (labels.length === 1) {name = labels[0];} else if (labels.length === 2 || (labels.length >= 3 && labels[2] === 'svc' && (labels.length === 3 || labels.slice(3).join('.') === this.clusterDomain))) {
      [name, ns] = labels;
    }
    return name ? this.find('Service', ns, name) : undefined;
  }

  // -----------------------------------------------------------------------------------------------
  // ext_authz through Istio

  /** AuthorizationPolicies with action CUSTOM → the service of their mesh-config extension provider. */
  private addExtAuthzPolicies(): void {
    const providers = this.meshProviders();
    for (const ap of this.manifests.filter((m) => m.kind === 'AuthorizationPolicy' && m.spec?.action === 'CUSTOM')) {
      const ref = this.refOf(ap);
      const apId = this.objectNode(ref, TopologyNodeKind.AUTHORIZATION_POLICY);
      const name = ap.spec?.provider?.name;
      const provider = typeof name === 'string' ? providers.get(name) : undefined;
      const target = provider ? this.resolveHost(provider.service, provider.port, undefined) : undefined;
      if (target) {this.edge(apId, target, 'ext_authz');} else if (typeof name === 'string') {
        this.edge(apId, this.node(`provider:${name}`, { kind: TopologyNodeKind.EXTERNAL, label: `extension provider ${name}\n(mesh config)`, failed: false }, `provider_${name}`), 'ext_authz');
      }
    }
  }

  /** `extensionProviders` of mesh configs found in ConfigMaps (Istio's own `mesh` key, or a fragment to merge into it). */
  private meshProviders(): Map<string, { service: string; port?: number }> {
    const out = new Map<string, { service: string; port?: number }>();
    for (const cm of this.manifests.filter((m) => m.kind === 'ConfigMap')) {
      for (const value of Object.values(obj(cm.data) ?? {})) {
        if (typeof value !== 'string' || !value.includes('extensionProviders')) continue;
        for (const p of findProviders(value)) out.set(p.name, p);
      }
    }
    return out;
  }

  /** EnvoyFilters: the pods they patch, and the ext_authz service their patches call. */
  private addEnvoyFilters(): void {
    for (const ef of this.manifests.filter((m) => m.kind === 'EnvoyFilter')) {
      const ref = this.refOf(ef);
      const efId = this.objectNode(ref, TopologyNodeKind.ENVOY_FILTER);
      const labels = stringMap(ef.spec?.workloadSelector?.labels);
      for (const target of this.podsSelected(ref.namespace!, labels)) this.edge(target, efId, 'patched by', true);
      walkJson(ef.spec?.configPatches, (o) => {
        if (typeName(o['@type']) !== EXT_AUTHZ_TYPE) return;
        const uri = o.http_service?.server_uri?.uri ?? o.httpService?.serverUri?.uri ?? o.grpc_service?.google_grpc?.target_uri;
        const cluster = o.grpc_service?.envoy_grpc?.cluster_name ?? o.http_service?.server_uri?.cluster;
        const host = hostOfUri(uri) ?? hostOfIstioCluster(cluster);
        const target = host ? this.resolveHost(host.host, host.port, undefined) : undefined;
        if (target) this.edge(efId, target, 'ext_authz');
      });
    }
  }

  /** Nodes of the pods with `labels` in `namespace` (or anywhere, for the root namespace istio-system): ingress pods or workloads. */
  private podsSelected(namespace: string, labels: Record<string, string>): string[] {
    const out: string[] = [];
    const ingresses = this.run.options.ingressGateways ?? DEFAULT_GATEWAYS;
    for (const i of ingresses) {
      if (selects(labels, i.labels ?? {}) && (namespace === i.namespace || namespace === 'istio-system')) {
        const name = `{${Object.keys(i.labels).sort().map((k) => `${k}=${i.labels[k]}`).join(', ')}}`;
        out.push(this.ingressNode({ kind: 'Pod', namespace: i.namespace, name }));
      }
    }
    for (const w of this.workloads) {
      const podLabels = stringMap(obj(w.pod.metadata)?.labels);
      if (selects(labels, podLabels) && (w.namespace === namespace || namespace === 'istio-system')) out.push(w.id);
    }
    return out;
  }

  // -----------------------------------------------------------------------------------------------
  // what a workload's configuration calls (environment, arguments, ConfigMaps it reads)

  private addCalls(w: Workload): void {
    const own = new Set(this.run.report.links.filter((l) => l.relation === 'selects' && l.source.kind === 'Service' && refKey(l.target) === refKey(w.ref)).map((l) => refKey(l.source)));
    const texts: string[] = [];
    const spec = obj(w.pod.spec) ?? {};
    const configMaps = new Set<string>();
    for (const c of [...arr(spec.initContainers), ...arr(spec.containers)].map(obj)) {
      for (const e of arr(c?.env).map(obj)) {
        if (typeof e?.value === 'string') texts.push(e.value);
        const ref = e?.valueFrom?.configMapKeyRef?.name;
        if (typeof ref === 'string') configMaps.add(ref);
      }
      for (const e of arr(c?.envFrom).map(obj)) if (typeof e?.configMapRef?.name === 'string') configMaps.add(e.configMapRef.name);
      texts.push(...[...arr(c?.args), ...arr(c?.command)].filter((x): x is string => typeof x === 'string'));
    }
    for (const v of arr(spec.volumes).map(obj)) if (typeof v?.configMap?.name === 'string') configMaps.add(v.configMap.name);
    for (const name of configMaps) {
      const cm = this.find('ConfigMap', w.namespace, name);
      if (!cm || findEnvoyConfigs(cm).configs.length > 0) continue; // Envoy configs are drawn as clusters
      texts.push(...Object.values(obj(cm.data) ?? {}).filter((x): x is string => typeof x === 'string'));
    }
    for (const { host, port } of hostsIn(texts.join('\n'))) {
      const service = this.serviceOf(host, w.namespace);
      const entry = service ? undefined : this.serviceEntryFor(host, w.namespace);
      const target = service ?? entry;
      if (!target || own.has(refKey(this.refOf(target)))) continue;
      const id = this.objectNode(this.refOf(target), service ? TopologyNodeKind.SERVICE : TopologyNodeKind.SERVICE_ENTRY);
      this.edge(w.id, id, service ? `calls${port ? ` :${port}` : ''}` : 'egress');
    }
  }

  private find(kind: string, namespace: string, name: string): Json | undefined {
    return this.manifests.find((m) => m.kind === kind && m.metadata?.name === name && this.namespaceOf(m) === namespace);
  }
}

// -------------------------------------------------------------------------------------------------
// helpers

function refKey(ref: WiringObjectRef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

function containerRole(name: string, image: string): string {
  const i = image.toLowerCase();
  if (/envoyproxy\/envoy|(^|\/)envoy[:@]/.test(i) || name === 'envoy') return 'envoy';
  if (/sigsci-agent/.test(i)) return 'sigsci-agent';
  if (/oauth2-proxy/.test(i)) return 'oauth2-proxy';
  if (/(^|\/)redis[:@]|(^|\/)redis$/.test(i)) return 'redis';
  if (/istio\/proxyv2/.test(i)) return 'istio-proxy';
  return 'app';
}

function shortImage(image: string): string {
  return image.slice(image.lastIndexOf('/') + 1) || image;
}

function typeName(type: unknown): string | undefined {
  return typeof type === 'string' ? type.slice(type.lastIndexOf('/') + 1) : undefined;
}

function clusterEndpoints(cluster: any): Array<{ host: string; port?: number }> {
  const out: Array<{ host: string; port?: number }> = [];
  const assignment = cluster?.load_assignment ?? cluster?.loadAssignment;
  for (const e of arr(assignment?.endpoints)) {
    for (const lb of arr(obj(e)?.lb_endpoints ?? obj(e)?.lbEndpoints)) {
      const address = obj(obj(obj(lb)?.endpoint)?.address);
      const socket = obj(address?.socket_address ?? address?.socketAddress);
      if (typeof socket?.address === 'string') out.push({ host: socket.address, port: num(socket.port_value ?? socket.portValue) });
    }
  }
  return out;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '0.0.0.0';
}

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  return p === h || (p.startsWith('*.') && h.endsWith(p.slice(1)));
}

function hostOfUri(uri: unknown): { host: string; port?: number } | undefined {
  if (typeof uri !== 'string') return undefined;
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/:?#\s]+)(?::(\d+))?/i.exec(uri);
  return m ? { host: m[1], port: m[2] ? Number(m[2]) : undefined } : undefined;
}

/** Istio's cluster names: `outbound|<port>|<subset>|<fqdn>`. */
function hostOfIstioCluster(cluster: unknown): { host: string; port?: number } | undefined {
  if (typeof cluster !== 'string') return undefined;
  const parts = cluster.split('|');
  return parts.length === 4 && parts[3] ? { host: parts[3], port: Number(parts[1]) || undefined } : undefined;
}

/** Hosts mentioned in configuration text: URLs (`scheme://host[:port]`) and Service DNS names (`name.ns.svc[...]`). */
function hostsIn(text: string): Array<{ host: string; port?: number }> {
  const out = new Map<string, { host: string; port?: number }>();
  const add = (host: string, port?: string) => {
    const h = host.toLowerCase().replace(/\.$/, '');
    if (!out.has(h)) out.set(h, { host: h, port: port ? Number(port) : undefined });
  };
  for (const m of text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/(?:[^@\s/"']*@)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d+))?/gi)) add(m[1], m[2]);
  for (const m of text.matchAll(/\b([a-z0-9-]+\.[a-z0-9-]+\.svc(?:\.[a-z0-9-]+)*)(?::(\d+))?/gi)) add(m[1], m[2]);
  return [...out.values()];
}

/** The `extensionProviders` of a mesh config (or of a fragment with `meshConfig:`), with the service each calls. */
function findProviders(text: string): Array<{ name: string; service: string; port?: number }> {
  let parsed: any;
  try {
    parsed = parseYaml(text);
  } catch {
    return [];
  }
  const lists = [parsed?.extensionProviders, parsed?.meshConfig?.extensionProviders, parsed?.spec?.meshConfig?.extensionProviders];
  return lists.flatMap(arr).map(obj).flatMap((p) => {
    const target = obj(p?.envoyExtAuthzHttp ?? p?.envoyExtAuthzGrpc);
    return p && typeof p.name === 'string' && typeof target?.service === 'string' ? [{ name: p.name, service: target.service, port: num(target.port) }] : [];
  });
}

function walkJson(x: unknown, visit: (o: Json) => void, depth = 0): void {
  if (depth > 64) return;
  if (Array.isArray(x)) {
    for (const item of x) walkJson(item, visit, depth + 1);
  } else if (obj(x)) {
    visit(x as Json);
    for (const v of Object.values(x as Json)) walkJson(v, visit, depth + 1);
  }
}

function flatten(manifests: readonly unknown[]): unknown[] {
  return manifests.flatMap((m) => {
    const o = obj(m);
    return o && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items) ? flatten(o.items) : [m];
  });
}

function obj(x: unknown): Json | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : undefined;
}

function arr(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : undefined;
}

function stringMap(x: unknown): Record<string, string> {
  const o = obj(x);
  return o ? Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === 'string')) as Record<string, string> : {};
}
