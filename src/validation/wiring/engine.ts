/**
 * The wiring checks: a pure function over plain manifest JSON (anything `kubectl apply` would take,
 * whoever wrote it) that finds the references which don't line up — the troubleshooting list of
 * seed 001 made executable. It never throws: entries it can't read are counted and skipped.
 */
import { certificateCovers, exportedTo, istioHostCovers, istioHostsIntersect, normalizeHost, splitGatewayHost, stripHostPort } from './hosts';
import { IngressGatewayPods, WiringContext, WiringFinding, WiringLink, WiringObjectRef, WiringReport, WiringRule, WiringSeverity, wiringSeverity } from './model';
import { ISTIO_ENVOY_PROM_PORT, istioInjects, marin3rPorts, MESH_ROOT_NAMESPACE } from '../../common/injection';
import { selects, selectsAll } from '../../common/labels';
import { manifestNamespace, ownValue } from '../../common/objects';

/**
 * The gateways of a default Istio installation (istioctl's profiles and the istio/gateway chart
 * label their pods with both `app` and `istio`); the egress gateway is known too, so a Gateway
 * for it is not mistaken for a wrong ingress selector.
 * @internal
 */
export const DEFAULT_GATEWAYS: readonly IngressGatewayPods[] = [
  { namespace: 'istio-system', labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
  { namespace: 'istio-system', labels: { app: 'istio-egressgateway', istio: 'egressgateway' } },
];

/** Where the pod template sits in each workload kind. */
const POD_TEMPLATES: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Pod: [],
};

type Json = Record<string, any>;

/**
 * Where the pod template of a manifest that runs pods sits (`[]` for a Pod), or undefined for a
 * manifest that runs none: the core workload kinds, and other kinds with a pod template (Argo
 * Rollouts, OpenKruise CloneSets, ...). The one reading of the checks and the topology.
 * @internal
 */
export function podTemplatePath(manifest: Json): string[] | undefined {
  const apiVersion = typeof manifest.apiVersion === 'string' ? manifest.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  const template = typeof manifest.kind === 'string' && ['', 'apps', 'batch', 'extensions'].includes(group) ? ownValue(POD_TEMPLATES, manifest.kind) : undefined;
  if (template) return template;
  const spec = obj(manifest.spec);
  return obj(spec?.template) && Array.isArray(obj(obj(spec?.template)?.spec)?.containers) ? ['spec', 'template'] : undefined;
}

/** One object of a kind the checks read, with its resolved identity. */
interface Entry {
  readonly json: Json;
  readonly ref: WiringObjectRef;
  readonly namespace: string;
  readonly name: string;
}

interface Workload extends Entry {
  /** Where the pod template is in the manifest, e.g. ["spec", "template"]. */
  readonly templatePath: string[];
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  /**
   * The pods are an Istio gateway: Istio's proxy image (istioctl's gateways), or the gateway
   * injection template (`image: auto` with `inject.istio.io/templates: gateway`, the istio/gateway chart).
   */
  readonly gateway: boolean;
  /** Declared container ports: names and numbers. */
  readonly portNames: Set<string>;
  readonly portNumbers: Set<number>;
  /** Ports of a sidecar Istio injects (known once the namespaces are read). */
  readonly sidecarPorts: Array<{ name: string; port: number }>;
}

/** A place where a Gateway's pods may run: ingress pods from the context, or a workload of the manifests. */
interface IngressTarget {
  readonly key: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly description: string;
  readonly ref: WiringObjectRef;
}

/**
 * Runs every wiring check over `manifests` and returns the findings, the links that resolved and
 * how many entries were read or ignored. Never throws. The public API is `WiringChecks`.
 * @internal
 */
export function analyzeWiring(manifests: readonly unknown[], context: WiringContext = {}): WiringReport {
  const run = new Run(Array.isArray(manifests) ? manifests : [], context ?? {});
  return run.report();
}


class Run {
  private readonly findings: WiringFinding[] = [];
  private readonly links: WiringLink[] = [];
  // no prototype: a kind named "__proto__" or "toString" is counted like any other
  private readonly ignoredKinds: Record<string, number> = Object.create(null);
  private abandoned = 0;
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private checked = 0;

  private readonly gateways: Entry[] = [];
  private readonly virtualServices: Entry[] = [];
  private readonly services: Entry[] = [];
  private readonly serviceEntries: Entry[] = [];
  private readonly certificates: Entry[] = [];
  private readonly secrets: Entry[] = [];
  private readonly authorizationPolicies: Entry[] = [];
  private readonly discoveryServices: Entry[] = [];
  private readonly workloads: Workload[] = [];
  private namespacesSeen?: Set<string>;

  private readonly assumeExternal: boolean;
  private readonly defaultNamespace: string;
  private readonly clusterDomain: string;
  private readonly ingresses: IngressTarget[];
  private readonly assumedIngresses: boolean;

  constructor(manifests: readonly unknown[], context: WiringContext) {
    this.assumeExternal = context.assumeExternalObjects === true;
    this.defaultNamespace = nonEmpty(context.defaultNamespace) ?? 'default';
    this.clusterDomain = normalizeHost(nonEmpty(context.clusterDomain) ?? 'cluster.local');
    // without ingressGateways the gateways are Istio's defaults: an assumption of these checks, not
    // the user's word, so findings that rest on it are warnings
    this.assumedIngresses = !Array.isArray(context.ingressGateways);
    const ingresses = Array.isArray(context.ingressGateways) ? context.ingressGateways : DEFAULT_GATEWAYS;
    this.ingresses = ingresses.filter((i) => obj(i) && nonEmpty(i.namespace)).map((i) => {
      const labels = stringMap(i.labels);
      return {
        key: `ingress:${i.namespace}:${stableLabels(labels)}`,
        namespace: i.namespace,
        labels,
        description: `${labels.istio === 'egressgateway' ? 'egress' : 'ingress'} gateway pods ${i.namespace}/{${showLabels(labels)}}`,
        ref: { kind: 'Pod', namespace: i.namespace, name: `{${showLabels(labels)}}` },
      };
    });
    for (const m of flatten(manifests)) this.index(m);
  }

  public report(): WiringReport {
    for (const w of this.workloads) {
      // the port the sidecar Istio injects declares: a Service may send scrapes to it
      // a namespace made outside the manifests may have injection on: its sidecar's port may be there
      const namespaceLabels = this.namespaceLabels.get(w.namespace) ?? { 'istio-injection': 'enabled' };
      if (istioInjects(w.podLabels, w.podAnnotations, namespaceLabels, w.namespace)) w.sidecarPorts.push(ISTIO_ENVOY_PROM_PORT);
    }
    for (const g of this.gateways) this.guard(() => this.checkGateway(g));
    this.guard(() => this.checkGatewayPortNames());
    this.guard(() => this.checkSharedCertificates());
    for (const vs of this.virtualServices) this.guard(() => this.checkVirtualService(vs));
    for (const ap of this.authorizationPolicies) this.guard(() => this.checkAuthorizationPolicy(ap));
    for (const svc of this.services) this.guard(() => this.checkService(svc));
    for (const w of this.workloads) this.guard(() => this.checkMarin3rDiscovery(w));
    const ignored = Object.values(this.ignoredKinds).reduce((a, b) => a + b, 0);
    return {
      findings: this.findings,
      links: this.links,
      checkedCount: this.checked,
      ignoredCount: ignored,
      ignoredKinds: this.ignoredKinds,
      abandonedChecks: this.abandoned,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // indexing

  private index(m: unknown): void {
    const json = obj(m);
    const kind = json ? str(json.kind) : undefined;
    const apiVersion = json ? str(json.apiVersion) ?? '' : '';
    const name = json ? str(obj(json.metadata)?.name) : undefined;
    if (!json || !kind || !name) {
      this.ignore(json && kind ? kind : '<not an object>');
      return;
    }
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
    const namespace = manifestNamespace(json, this.defaultNamespace);
    const entry: Entry = { json, name, namespace, ref: { apiVersion, kind, namespace, name } };
    // read for Istio's injection labels only (and otherwise counted as ignored)
    if (group === '' && kind === 'Namespace') this.namespaceLabels.set(name, stringMap(obj(json.metadata)?.labels));
    // controllers that write a Secret of the namespace, as GitOps set-ups keep TLS Secrets: an
    // ExternalSecret (its target name, else its own) and a SealedSecret (its own name)
    const produced = group === 'external-secrets.io' && kind === 'ExternalSecret' ? str(obj(obj(json.spec)?.target)?.name) ?? name
      : group === 'bitnami.com' && kind === 'SealedSecret' ? name : undefined;
    if (produced !== undefined) {
      this.secrets.push({ ...entry, name: produced });
      this.checked++;
      return;
    }
    const list = this.listFor(group, kind);
    if (list) {
      list.push(entry);
      this.checked++;
      return;
    }
    const template = podTemplatePath(json);
    if (template) {
      this.workloads.push(workload(entry, template));
      this.checked++;
      return;
    }
    this.ignore(kind);
  }

  private listFor(group: string, kind: string): Entry[] | undefined {
    if (group === 'networking.istio.io') {
      if (kind === 'Gateway') return this.gateways;
      if (kind === 'VirtualService') return this.virtualServices;
      if (kind === 'ServiceEntry') return this.serviceEntries;
    }
    if (group === 'security.istio.io' && kind === 'AuthorizationPolicy') return this.authorizationPolicies;
    if (group === 'operator.marin3r.3scale.net' && kind === 'DiscoveryService') return this.discoveryServices;
    if (group === 'cert-manager.io' && kind === 'Certificate') return this.certificates;
    if (group === '' && kind === 'Service') return this.services;
    if (group === '' && kind === 'Secret') return this.secrets;
    return undefined;
  }

  private ignore(kind: string): void {
    this.ignoredKinds[kind] = (this.ignoredKinds[kind] ?? 0) + 1;
  }

  /** Runs one check; an unexpected failure on odd input skips that check instead of throwing. */
  private guard(check: () => void): void {
    try {
      check();
    } catch {
      // odd input the accessors did not anticipate: the other checks still run, and the report
      // counts the one that stopped
      this.abandoned++;
    }
  }

  private add(rule: WiringRule, entry: Entry, path: string, message: string, fix: string, related?: WiringObjectRef,
    severity?: WiringSeverity): void {
    this.findings.push({ rule, severity: severity ?? wiringSeverity(rule), message, fix, subject: entry.ref, related, path, manifest: entry.json });
  }

  private link(from: WiringObjectRef, to: WiringObjectRef, relation: string): void {
    this.links.push({ source: from, target: to, relation });
  }

  // ---------------------------------------------------------------------------------------------
  // Gateways: selector, credentialName, certificate hosts

  /** The ingress pods (context) and gateway workloads (manifests) a selector selects. */
  private targetsOf(selector: Record<string, string>): IngressTarget[] {
    if (Object.keys(selector).length === 0) return [];
    const fromContext = this.ingresses.filter((i) => selects(selector, i.labels));
    const internal = this.workloads.filter((w) => w.gateway && selects(selector, w.podLabels)).map((w) => ({
      key: `workload:${w.namespace}/${w.ref.kind}/${w.name}`,
      namespace: w.namespace,
      labels: w.podLabels,
      description: describe(w.ref),
      ref: w.ref,
    }));
    return [...fromContext, ...internal];
  }

  private checkGateway(g: Entry): void {
    const spec = obj(g.json.spec) ?? {};
    const selector = stringMap(spec.selector);
    const targets = this.targetsOf(selector);
    const appPods = targets.length === 0 ? this.workloads.filter((w) => !w.gateway && selects(selector, w.podLabels)) : [];
    if (appPods.length > 0) {
      // the classic slip: the app's labels in the Gateway selector (it must select the gateway's pods)
      this.add(WiringRule.GATEWAY_SELECTOR, g, '/spec/selector',
        `${describe(g.ref)} selects pods labelled {${showLabels(selector)}}, which are the pods of ${appPods.map((w) => describe(w.ref)).join(', ')}, not an Istio gateway; `
        + 'a Gateway configures the gateway proxies its selector picks, and routes to the app through a VirtualService',
        this.ingresses[0] ? `set spec.selector to {${showLabels(this.ingresses[0].labels)}}, the labels of the ${this.ingresses[0].description}` : 'set spec.selector to the labels of the ingress gateway pods',
        appPods[0].ref);
    } else if (Object.keys(selector).length > 0 && targets.length === 0 && !this.assumeExternal) {
      const known = this.ingresses.map((i) => i.description);
      const target = this.ingresses[0];
      this.add(WiringRule.GATEWAY_SELECTOR, g, '/spec/selector',
        `${describe(g.ref)} selects pods labelled {${showLabels(selector)}}, but no ingress gateway has these labels (${known.length > 0 ? known.join('; ') : 'no ingress gateway is known'})`,
        (target ? `set spec.selector to {${showLabels(target.labels)}}, the labels of the ${target.description}` : 'set spec.selector to the labels of the ingress gateway pods')
        + this.elsewhereHint(), undefined, this.assumedIngresses ? WiringSeverity.WARNING : undefined);
    }
    for (const t of targets) this.link(g.ref, t.ref, 'selects');

    arr(spec.servers).forEach((server, i) => {
      const s = obj(server);
      const tls = obj(s?.tls);
      // a passthrough server doesn't terminate TLS, and Istio ignores its certificate settings
      if (!s || isPassthrough(tls)) return;
      const credential = str(tls?.credentialName);
      if (credential) this.checkCredential(g, i, s, credential, targets, `/spec/servers/${i}/tls/credentialName`);
      // credentialNames: one Secret per key type (RSA and ECDSA), each read like credentialName
      arr(tls?.credentialNames).forEach((c, k) => {
        const name = str(c);
        if (name) this.checkCredential(g, i, s, name, targets, `/spec/servers/${i}/tls/credentialNames/${k}`);
      });
    });
  }

  /** The fix's addition when the ingress gateways are Istio's defaults, assumed rather than given. */
  private elsewhereHint(): string {
    return this.assumedIngresses
      ? '; these checks assumed Istio\'s default gateway pods (istio-system, istio=ingressgateway): if yours run elsewhere (the istio/gateway chart\'s usual install is namespace istio-ingress, istio=ingress), describe them in ingressGateways'
      : '';
  }

  private checkCredential(g: Entry, index: number, server: Json, credential: string, targets: IngressTarget[], path: string): void {
    const namespaces = unique(targets.map((t) => t.namespace));
    if (namespaces.length === 0) return; // the selector is wrong or unknown: reported by gateway-selector
    for (const ns of namespaces) {
      // the namespace is an assumption when only the default gateways (no gateway of the manifests) run there
      const assumed = this.assumedIngresses && !targets.some((t) => t.namespace === ns && t.key.startsWith('workload:'));
      const severity = assumed ? WiringSeverity.WARNING : undefined;
      const hint = assumed ? this.elsewhereHint() : '';
      const certificate = this.certificates.find((c) => c.namespace === ns && str(obj(c.json.spec)?.secretName) === credential);
      const secret = this.secrets.find((s) => s.namespace === ns && s.name === credential);
      if (certificate) {
        this.link(g.ref, certificate.ref, 'credential');
        this.checkCertificateHosts(g, index, server, certificate);
        continue;
      }
      if (secret) {
        this.link(g.ref, secret.ref, 'credential');
        continue;
      }
      const elsewhere = this.certificates.find((c) => str(obj(c.json.spec)?.secretName) === credential)
        ?? this.secrets.find((s) => s.name === credential);
      if (elsewhere) {
        // the classic slip (the Certificate next to the app) stays an error; a namespace without
        // app workloads may be where the gateway really runs
        const appNamespace = this.workloads.some((w) => !w.gateway && w.namespace === elsewhere.namespace);
        this.add(WiringRule.CREDENTIAL_NAME, g, path,
          `${describe(g.ref)} serves credentialName "${credential}" from the ingress gateway in namespace "${ns}", but ${describe(elsewhere.ref)} puts that Secret in namespace "${elsewhere.namespace}"; the gateway reads Secrets only from its own namespace`,
          `create ${elsewhere.ref.kind} ${elsewhere.name} in namespace "${ns}"${appNamespace ? '' : hint}`
            + (this.assumeExternal ? ' (a copy made outside these manifests, e.g. by a Secret replicator, is fine)' : ''),
          elsewhere.ref, this.assumeExternal ? WiringSeverity.WARNING : (appNamespace ? undefined : severity));
        continue;
      }
      // the Certificate meant is most likely one in the ingress namespace that covers the server's hosts
      const hosts = arr(server.hosts).map(str).filter(isString).map((h) => splitGatewayHost(h).host);
      const meant = this.certificates.find((c) => c.namespace === ns && hosts.length > 0
        && hosts.every((h) => certificateNames(c).some((n) => certificateCovers(n, h))));
      if (meant) {
        const secretName = str(obj(meant.json.spec)?.secretName) ?? '';
        this.add(WiringRule.CREDENTIAL_NAME, g, path,
          `${describe(g.ref)} serves credentialName "${credential}", but ${describe(meant.ref)}, which covers its hosts in the ingress namespace "${ns}", writes Secret "${secretName}"`,
          `set credentialName to "${secretName}" or the Certificate's secretName to "${credential}"`, meant.ref);
      } else if (!this.assumeExternal) {
        this.add(WiringRule.CREDENTIAL_NAME, g, path,
          `${describe(g.ref)} serves credentialName "${credential}", but no Certificate or Secret of that name is in the ingress gateway namespace "${ns}"`,
          `add a cert-manager Certificate with secretName "${credential}" in namespace "${ns}", or set assumeExternalObjects if the Secret is made outside these manifests${hint}`,
          undefined, severity);
      }
    }
  }

  private checkCertificateHosts(g: Entry, index: number, server: Json, certificate: Entry): void {
    const names = certificateNames(certificate);
    arr(server.hosts).forEach((h, j) => {
      const entry = str(h);
      if (!entry) return;
      const host = splitGatewayHost(entry).host;
      if (host === '*' || names.some((n) => certificateCovers(n, host))) return;
      this.add(WiringRule.HOST_MISMATCH, g, `/spec/servers/${index}/hosts/${j}`,
        `${describe(g.ref)} serves host "${host}" with the certificate of ${describe(certificate.ref)}, which covers only ${names.map((n) => `"${n}"`).join(', ') || 'no names'}`,
        `add "${host}" to the Certificate's dnsNames (a "*." wildcard covers one label) or serve another host`, certificate.ref);
    });
  }

  /**
   * Port names istiod needs unique: every server's within one Gateway (its validation refuses
   * duplicates). Across Gateways names may repeat: istiod names the route table of an HTTPS server
   * `https.<port>.<port name>.<Gateway>.<namespace>`, so two Gateways' servers never collide on it.
   */
  private checkGatewayPortNames(): void {
    for (const g of this.gateways) {
      const spec = obj(g.json.spec) ?? {};
      const inGateway = new Map<string, number>();
      arr(spec.servers).forEach((server, i) => {
        const port = obj(obj(server)?.port);
        const name = str(port?.name);
        if (!name) return;
        const protocol = (str(port?.protocol) ?? '').toUpperCase();
        const twin = inGateway.get(name);
        if (twin !== undefined) {
          this.add(WiringRule.GATEWAY_PORT_NAME, g, `/spec/servers/${i}/port/name`,
            `${describe(g.ref)} names its server port "${name}", which server ${twin} of the same Gateway already uses; istiod refuses duplicate port names in one Gateway`,
            `rename the port, e.g. after its host ("${portNamePrefix(protocol)}-${firstHost(server).replace(/\./g, '-') || 'host'}")`);
          return;
        }
        inGateway.set(name, i);
      });
    }
  }

  /**
   * One certificate (the same `credentialName`, or the same certificate and key files) on two
   * servers of one ingress gateway and one port, as istioctl analyze's IST0138 finds across
   * Gateways. Each server has its own filter chain and route table; a browser that reuses an
   * HTTP/2 connection (to the same address and port) for another host of the certificate sends it
   * down the first host's chain, which has no route for it. Beyond IST0138, two servers of one
   * Gateway count too: they are two filter chains just the same. Gateways share an ingress when
   * their selectors pick the same gateway pods, when one selector is empty (it picks every
   * gateway), or, for pods the checks don't know, when one selector is part of the other. One
   * finding per pair of Gateways (or of servers, within one Gateway).
   */
  private checkSharedCertificates(): void {
    interface TlsServer {
      g: Entry;
      index: number;
      certificate: string;
      port: string;
      keys: string[];
      selector: Record<string, string>;
      field: string;
      what: string;
      /** The server's hosts, and the names its certificate covers when a Certificate of the manifests issues it. */
      hosts: string[];
      covers?: { names: string[]; ref: WiringObjectRef };
    }
    const servers: TlsServer[] = [];
    for (const g of this.gateways) {
      const spec = obj(g.json.spec) ?? {};
      const selector = stringMap(spec.selector);
      const targets = this.targetsOf(selector);
      const keys = targets.map((t) => t.key);
      const namespaces = unique(targets.map((t) => t.namespace));
      arr(spec.servers).forEach((server, index) => {
        const tls = obj(obj(server)?.tls);
        const credential = str(tls?.credentialName);
        const [cert, key] = [str(tls?.serverCertificate), str(tls?.privateKey)];
        if ((!credential && !(cert && key)) || isPassthrough(tls)) return;
        const issuer = credential
          ? this.certificates.find((c) => namespaces.includes(c.namespace) && str(obj(c.json.spec)?.secretName) === credential)
          : undefined;
        servers.push({
          g,
          index,
          keys,
          selector,
          certificate: credential ? `credential:${credential}` : `files:${cert}|${key}`,
          port: String(obj(obj(server)?.port)?.number ?? ''),
          field: credential ? 'credentialName' : 'serverCertificate',
          what: credential ? `credentialName "${credential}"` : `the certificate ${cert}`,
          hosts: arr(obj(server)?.hosts).map(str).filter(isString).map((h) => splitGatewayHost(h).host),
          covers: issuer ? { names: certificateNames(issuer), ref: issuer.ref } : undefined,
        });
      });
    }
    const sameIngress = (a: TlsServer, b: TlsServer): boolean => {
      if (a.g === b.g) return true;
      if (Object.keys(a.selector).length === 0 || Object.keys(b.selector).length === 0) return true;
      if (a.keys.length > 0 || b.keys.length > 0) return a.keys.some((k) => b.keys.includes(k));
      return selectsAll(a.selector, b.selector) || selectsAll(b.selector, a.selector);
    };
    const reported = new Set<string>();
    servers.forEach((b, n) => {
      const a = servers.slice(0, n).find((x) => x.certificate === b.certificate && x.port === b.port && sameIngress(x, b));
      const pair = a && (a.g === b.g ? `${a.g.namespace}/${a.g.name}#${a.index}#${b.index}` : `${a.g.namespace}/${a.g.name}#${b.g.namespace}/${b.g.name}`);
      if (!a || !pair || reported.has(pair)) return;
      reported.add(pair);
      const other = a.g === b.g ? `server ${a.index} of the same Gateway` : `${describe(a.g.ref)}`;
      this.add(WiringRule.GATEWAY_SHARED_CERTIFICATE, b.g, `/spec/servers/${b.index}/tls/${b.field}`,
        `${describe(b.g.ref)} serves ${b.what} on port ${b.port}, which ${other} also serves there on the same ingress gateway; browsers reuse one HTTP/2 connection for every host `
        + `a certificate covers, so a request for one server's host can arrive on the other's filter chain and get a 404 (istioctl analyze: IST0138${a.g === b.g ? ', which looks across Gateways only' : ''})`,
        a.g === b.g
          ? 'list the hosts of both servers in one server'
          : "serve the hosts of both from one server of one Gateway (IngressHttpsGateway, with IngressRoute's sharedGateway), or give each Gateway a certificate of its own",
        a.g === b.g ? undefined : a.g.ref);
    });
    // different certificates, but one covers a host the other server serves: a browser connected
    // for the first server's host may send that host's requests down the first server's chain
    servers.forEach((b, n) => {
      for (const a of servers.slice(0, n)) {
        if (a.certificate === b.certificate || a.port !== b.port || !sameIngress(a, b)) continue;
        const found = ([[a, b], [b, a]] as Array<[TlsServer, TlsServer]>).map(([x, y]) => {
          const host = x.covers ? y.hosts.find((h) => !x.hosts.includes(h) && x.covers!.names.some((name) => certificateCovers(name, h))) : undefined;
          return host === undefined ? undefined : { x, y, host };
        }).find((f) => f !== undefined);
        if (!found) continue;
        const pair = `${a.g.namespace}/${a.g.name}#${a.index}#${b.g.namespace}/${b.g.name}#${b.index}#covers`;
        if (reported.has(pair)) continue;
        reported.add(pair);
        const { x, y, host } = found;
        const where = (s: TlsServer) => (a.g === b.g ? `server ${s.index} of ${describe(s.g.ref)}` : describe(s.g.ref));
        this.add(WiringRule.GATEWAY_SHARED_CERTIFICATE, y.g, `/spec/servers/${y.index}/hosts`,
          `${where(y)} serves "${host}" on port ${y.port}, and the certificate of ${where(x)} on the same port of the same ingress gateway (${describe(x.covers!.ref)}) covers that host too; `
          + `browsers reuse one HTTP/2 connection for every host a certificate covers, so a request for "${host}" can arrive on the other server's filter chain and get a 404`,
          'give each server a certificate that covers only its own hosts (exact names instead of a shared wildcard), or serve the hosts from one server (IngressHttpsGateway)',
          x.covers!.ref);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // VirtualServices: gateways, hosts, destinations

  /**
   * A VirtualService's gateway reference as istiod resolves it: `ns/name`, `./name` (the
   * VirtualService's namespace), a short name (the same), or the legacy `name.ns` and
   * `name.ns.svc.<domain>` forms.
   */
  private resolveGatewayRef(vs: Entry, ref: string): { namespace: string; name: string } {
    const slash = ref.indexOf('/');
    if (slash >= 0) {
      const ns = ref.slice(0, slash);
      return { namespace: ns === '.' ? vs.namespace : ns, name: ref.slice(slash + 1) };
    }
    const dot = ref.indexOf('.');
    if (dot < 0) return { namespace: vs.namespace, name: ref };
    const rest = ref.slice(dot + 1);
    const next = rest.indexOf('.');
    return { namespace: next < 0 ? rest : rest.slice(0, next), name: ref.slice(0, dot) };
  }

  /** The Gateway of the manifests a VirtualService's gateway reference names, if any, and where it points. */
  private gatewayOf(vs: Entry, ref: string): { namespace: string; name: string; gateway?: Entry } {
    const { namespace, name } = this.resolveGatewayRef(vs, ref);
    return { namespace, name, gateway: this.gateways.find((g) => g.namespace === namespace && g.name === name) };
  }

  private checkVirtualService(vs: Entry): void {
    const spec = obj(vs.json.spec) ?? {};
    const hosts = arr(spec.hosts).map(str).filter(isString);
    const bound: Entry[] = [];
    const refs: Array<{ ref: string; path: string }> = [];
    arr(spec.gateways).forEach((g, i) => { if (str(g)) refs.push({ ref: str(g)!, path: `/spec/gateways/${i}` }); });
    for (const section of ['http', 'tls', 'tcp']) {
      arr(spec[section]).forEach((route, i) => arr(obj(route)?.match).forEach((match, j) =>
        arr(obj(match)?.gateways).forEach((g, k) => { if (str(g)) refs.push({ ref: str(g)!, path: `/spec/${section}/${i}/match/${j}/gateways/${k}` }); })));
    }
    const checkedRefs = new Set<string>();
    for (const { ref, path } of refs) {
      if (ref === 'mesh') continue;
      const { namespace, name, gateway } = this.gatewayOf(vs, ref);
      if (gateway) {
        if (!bound.includes(gateway)) {
          bound.push(gateway);
          this.link(vs.ref, gateway.ref, 'binds');
        }
        continue;
      }
      if (checkedRefs.has(`${namespace}/${name}`) || this.assumeExternal) continue;
      checkedRefs.add(`${namespace}/${name}`);
      const sameName = this.gateways.find((g) => g.name === name && g.namespace !== namespace);
      const implicit = !ref.includes('/') && !ref.includes('.') ? ' (a gateway name without "namespace/" means the VirtualService\'s own namespace)' : '';
      // a Gateway in a namespace none of these manifests touch is most likely a shared one that
      // another team manages (a platform Gateway): a warning
      const elsewhere = !sameName && namespace !== vs.namespace && !this.manifestNamespaces().has(namespace);
      this.add(WiringRule.VIRTUALSERVICE_GATEWAY, vs, path,
        `${describe(vs.ref)} binds to Gateway ${namespace}/${name}, which doesn't exist${elsewhere ? ' in these manifests, which hold no Gateway, VirtualService, Service, ServiceEntry or workload of namespace ' + JSON.stringify(namespace) : ''}`
          + `${sameName ? `; ${describe(sameName.ref)} has that name in another namespace` : ''}${implicit}`,
        sameName ? `write the gateway as "${sameName.namespace}/${sameName.name}"`
          : `create Gateway ${namespace}/${name} or fix the name in spec.gateways (or set assumeExternalObjects if the Gateway is managed outside these manifests, e.g. a shared platform Gateway)`,
        sameName?.ref, elsewhere ? WiringSeverity.WARNING : undefined);
    }

    const alsoMesh = refs.length === 0 || refs.some((r) => r.ref === 'mesh');
    if (bound.length > 0) {
      hosts.forEach((host, i) => {
        // istiod expands a short host in the VirtualService's namespace before matching it
        const expanded = host.includes('.') || host.includes('*') ? host : `${host}.${vs.namespace}.svc.${this.clusterDomain}`;
        const served = bound.some((g) => this.gatewayServes(g, host, vs.namespace) || this.gatewayServes(g, expanded, vs.namespace));
        if (served) return;
        // a VirtualService bound to the mesh too may name in-mesh hosts the Gateways don't serve
        if (alsoMesh && (!host.includes('.') || normalizeHost(expanded).endsWith(`.svc.${this.clusterDomain}`) || this.serviceEntryDefines(host))) return;
        const offered = unique(bound.flatMap((g) => gatewayHosts(g).map((h) => h.host)));
        this.add(WiringRule.HOST_MISMATCH, vs, `/spec/hosts/${i}`,
          `${describe(vs.ref)} routes host "${host}", but ${bound.map((g) => describe(g.ref)).join(' and ')} ${bound.length > 1 ? 'serve' : 'serves'} only ${offered.map((h) => `"${h}"`).join(', ') || 'no hosts'}${bound.some((g) => gatewayHosts(g).some((h) => istioHostsIntersect(h.host, host))) ? ` to other namespaces than "${vs.namespace}"` : ''}`,
          'make the VirtualService host and the Gateway server host the same full host name', bound[0].ref);
      });
    }

    // the namespaces of the proxies that use a route, from which a ServiceEntry must be visible:
    // the gateways' own (the pods a bound Gateway selects), and the VirtualService's for the mesh;
    // a route's match may narrow the VirtualService's gateways
    const vsRefs = arr(spec.gateways).map(str).filter(isString);
    const proxyNamespacesOf = (route: Json | undefined): string[] => {
      const matches = arr(route?.match).map(obj);
      const narrowed = matches.length > 0 && matches.every((m) => arr(m?.gateways).length > 0);
      const refsOfRoute = narrowed ? unique(matches.flatMap((m) => arr(m?.gateways).map(str).filter(isString))) : vsRefs;
      if (refsOfRoute.length === 0) return [vs.namespace];
      const namespaces = refsOfRoute.flatMap((ref) => {
        if (ref === 'mesh') return [vs.namespace];
        const { gateway } = this.gatewayOf(vs, ref);
        return gateway ? this.targetsOf(stringMap(obj(gateway.json.spec)?.selector)).map((t) => t.namespace) : [];
      });
      return namespaces.length > 0 ? unique(namespaces) : [vs.namespace];
    };
    // the ports the bound Gateways route on: a destination without a port gets the listener's (a
    // server with tls.httpsRedirect answers every request with a redirect and routes nothing)
    const gatewayPorts = bound.flatMap((g) => arr(obj(g.json.spec)?.servers)
      .filter((srv) => !isRedirectOnly(obj(srv)))
      .map((srv) => num(obj(obj(srv)?.port)?.number)).filter(isNumber));
    for (const section of ['http', 'tls', 'tcp']) {
      arr(spec[section]).forEach((route, i) => {
        const proxyNamespaces = proxyNamespacesOf(obj(route));
        arr(obj(route)?.route).forEach((r, j) => {
          const destination = obj(obj(r)?.destination);
          if (destination) this.checkDestination(vs, destination, `/spec/${section}/${i}/route/${j}/destination`, alsoMesh ? undefined : gatewayPorts, proxyNamespaces);
        });
      });
    }
  }

  /** Whether a ServiceEntry of the manifests defines a host that `host` matches (a mesh-internal or external name). */
  private serviceEntryDefines(host: string): boolean {
    const h = normalizeHost(host);
    return this.serviceEntries.some((se) => arr(obj(se.json.spec)?.hosts).map(str).filter(isString).some((x) => istioHostsIntersect(x, h)));
  }

  /** The namespaces the objects of the manifests are in, and those of their Namespace objects. */
  private manifestNamespaces(): Set<string> {
    if (this.namespacesSeen === undefined) {
      // Certificates, Secrets and AuthorizationPolicies an app puts in the ingress gateway's namespace
      // (where the gateway reads them) don't make the manifests the platform's
      const entries = [...this.gateways, ...this.virtualServices, ...this.services, ...this.serviceEntries, ...this.workloads];
      this.namespacesSeen = new Set([...entries.map((e) => e.namespace), ...this.namespaceLabels.keys()]);
    }
    return this.namespacesSeen;
  }

  private gatewayServes(g: Entry, host: string, vsNamespace: string): boolean {
    return gatewayHosts(g).some((h) => {
      const nsOk = h.namespace === '*' || h.namespace === vsNamespace || (h.namespace === '.' && g.namespace === vsNamespace);
      return nsOk && istioHostsIntersect(h.host, host);
    });
  }

  /**
   * @param gatewayPorts for a route served only by Gateways, the ports their servers listen on
   * (undefined for a route that also serves the mesh)
   */
  private checkDestination(vs: Entry, destination: Json, path: string, gatewayPorts: number[] | undefined, proxyNamespaces: string[]): void {
    const host = str(destination.host);
    if (!host || host.includes('*')) return;
    const h = normalizeHost(host);
    const labels = h.split('.');
    const fqdnSuffix = `.svc.${this.clusterDomain}`;
    let target: { name: string; namespace: string } | undefined;
    if (labels.length === 1) {
      target = { name: labels[0], namespace: vs.namespace };
    } else if (h.endsWith(fqdnSuffix) && labels.length === 2 + 1 + this.clusterDomain.split('.').length) {
      target = { name: labels[0], namespace: labels[1] };
      // a Service-like name that only a ServiceEntry defines (a mesh-internal service outside
      // Kubernetes' registry) is checked as that ServiceEntry's host
      if (!this.services.some((s) => s.name === labels[0] && s.namespace === labels[1]) && this.serviceEntryDefines(h)) target = undefined;
    }

    if (!target) {
      // Istio expands only single-label hosts; "svc.ns" and "svc.ns.svc" are taken as external names
      const partial = (labels.length === 2 || (labels.length === 3 && labels[2] === 'svc'))
        ? this.services.find((s) => s.name === labels[0] && s.namespace === labels[1]) : undefined;
      if (partial) {
        this.add(WiringRule.DESTINATION_SERVICE, vs, `${path}/host`,
          `${describe(vs.ref)} routes to "${host}", a partial name of ${describe(partial.ref)}; Istio expands only single-label hosts, so it looks "${host}" up as an external host and finds nothing`,
          `use the Service's FQDN "${partial.name}.${partial.namespace}${fqdnSuffix}"`, partial.ref);
        return;
      }
      const matching = this.serviceEntries
        .filter((se) => arr(obj(se.json.spec)?.hosts).map(str).filter(isString).some((x) => istioHostsIntersect(x, h)));
      const visibleFrom = (se: Entry, ns: string) => exportedTo(obj(se.json.spec)?.exportTo, se.namespace, ns);
      // every proxy of the route must see some entry for the host (not necessarily the same one)
      const hiddenFrom = proxyNamespaces.find((ns) => !matching.some((se) => visibleFrom(se, ns)));
      const entry = matching.find((se) => proxyNamespaces.some((ns) => visibleFrom(se, ns)));
      if (entry && hiddenFrom === undefined) {
        this.link(vs.ref, entry.ref, 'routes');
      } else if (matching.length > 0 && hiddenFrom !== undefined) {
        const whose = hiddenFrom === vs.namespace ? `namespace "${hiddenFrom}"` : `the gateway pods' namespace "${hiddenFrom}", where the route is served`;
        this.add(WiringRule.DESTINATION_SERVICE, vs, `${path}/host`,
          `${describe(vs.ref)} routes to "${host}", which ${describe(matching[0].ref)} defines, but its exportTo ${JSON.stringify(obj(matching[0].json.spec)?.exportTo)} hides it from ${whose}`,
          `export the ServiceEntry to "${hiddenFrom}" (or "*"), or add one in namespace "${hiddenFrom}"`, matching[0].ref);
      } else if (!this.assumeExternal) {
        this.add(WiringRule.DESTINATION_SERVICE, vs, `${path}/host`,
          `${describe(vs.ref)} routes to "${host}", which no Service or ServiceEntry of the manifests defines`,
          `route to a Service FQDN ("<name>.<namespace>${fqdnSuffix}") or add a ServiceEntry for "${host}" (or set assumeExternalObjects if it is defined outside these manifests)`);
      }
      return;
    }

    const service = this.services.find((s) => s.name === target!.name && s.namespace === target!.namespace);
    if (!service) {
      if (this.assumeExternal) return;
      const sameName = this.services.find((s) => s.name === target!.name);
      this.add(WiringRule.DESTINATION_SERVICE, vs, `${path}/host`,
        `${describe(vs.ref)} routes to "${host}", i.e. Service ${target.namespace}/${target.name}, which doesn't exist${sameName ? `; ${describe(sameName.ref)} has that name in another namespace` : ''}`,
        sameName ? `route to "${sameName.name}.${sameName.namespace}${fqdnSuffix}"` : `create Service ${target.namespace}/${target.name} or fix the destination host`, sameName?.ref);
      return;
    }
    this.link(vs.ref, service.ref, 'routes');

    const ports = arr(obj(service.json.spec)?.ports).map((p) => num(obj(p)?.port)).filter(isNumber);
    const port = num(obj(destination.port)?.number);
    if (port === undefined) {
      // istiod uses the Service's only port, or else the port the request came in on: in the mesh
      // that is a Service port; on a Gateway, the server's port, which the Service may not have
      if (ports.length > 1 && gatewayPorts !== undefined && !gatewayPorts.some((p) => ports.includes(p))) {
        this.add(WiringRule.DESTINATION_PORT, vs, `${path}/port`,
          `${describe(vs.ref)} routes to ${describe(service.ref)} without a port, but the Service has several (${ports.join(', ')}) and none is the port of the Gateway `
          + `(${unique(gatewayPorts).join(', ')}), which istiod would use`,
          'set destination.port.number to one of the Service ports', service.ref);
      }
      return;
    }
    if (!ports.includes(port)) {
      this.add(WiringRule.DESTINATION_PORT, vs, `${path}/port/number`,
        `${describe(vs.ref)} routes to port ${port} of ${describe(service.ref)}, which has ${ports.length > 0 ? `only port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}` : 'no ports'}`,
        ports.length > 0 ? `route to port ${ports[0]} or add port ${port} to the Service` : `add port ${port} to the Service`, service.ref);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // AuthorizationPolicies on an ingress: their hosts must be served by a Gateway of that ingress

  private checkAuthorizationPolicy(ap: Entry): void {
    const spec = obj(ap.json.spec) ?? {};
    const matchLabels = stringMap(obj(spec.selector)?.matchLabels);
    // a policy on an ingress: in its namespace, or in the mesh's root namespace (whose policies
    // apply to the workloads of every namespace), selecting its pods (`selects` needs a non-empty selector)
    const inScope = (i: IngressTarget) => i.namespace === ap.namespace || ap.namespace === MESH_ROOT_NAMESPACE;
    const ingresses = this.ingresses.filter((i) => inScope(i) && selects(matchLabels, i.labels));
    if (ingresses.length === 0) {
      // A policy without a selector (or targetRefs) applies to every workload of its namespace, or of
      // the mesh from the root namespace: a CUSTOM one runs its check on the ingress pods there too.
      // Its hosts are left alone (they may name the services of the namespace's sidecars).
      const wide = Object.keys(matchLabels).length === 0 && spec.targetRef === undefined && arr(spec.targetRefs).length === 0;
      if (wide && str(spec.action) === 'CUSTOM') {
        for (const ingress of this.ingresses.filter(inScope)) {
          this.checkCustomCheckBeforeRedirect(ap, spec, this.gatewaysOf([ingress]), ingress);
        }
      }
      return; // not an ingress policy
    }
    for (const i of ingresses) this.link(ap.ref, i.ref, 'protects');
    const gateways = this.gatewaysOf(ingresses);
    // with external objects assumed, more Gateways of the ingress may be outside the manifests:
    // none here says nothing, and a host the ones here don't serve is only a warning
    if (this.assumeExternal && gateways.length === 0) return;
    // without any Gateway of the ingress here, its hosts may come from Kubernetes Ingresses or
    // Gateway API routes that Istio serves on the same pods: only a warning then
    const severity = this.assumeExternal || gateways.length === 0 ? WiringSeverity.WARNING : undefined;
    if (str(spec.action) === 'CUSTOM') this.checkCustomCheckBeforeRedirect(ap, spec, gateways, ingresses[0]);
    const reported = new Set<string>();
    arr(spec.rules).forEach((rule, i) => arr(obj(rule)?.to).forEach((to, j) => arr(obj(obj(to)?.operation)?.hosts).forEach((h, k) => {
      const entry = str(h);
      if (!entry) return;
      const host = stripHostPort(entry);
      if (host === '*' || host.endsWith('*') || reported.has(host)) return;
      reported.add(host);
      if (gateways.some((g) => gatewayHosts(g).some((gh) => istioHostsIntersect(gh.host, host)))) return;
      const offered = unique(gateways.flatMap((g) => gatewayHosts(g).map((x) => x.host)));
      this.add(WiringRule.HOST_MISMATCH, ap, `/spec/rules/${i}/to/${j}/operation/hosts/${k}`,
        `${describe(ap.ref)} applies to host "${host}" on the ${ingresses[0].description}, but ${gateways.length > 0 ? `the Gateways of that ingress (${gateways.map((g) => describe(g.ref)).join(', ')}) serve only ${offered.map((x) => `"${x}"`).join(', ') || 'no hosts'}` : 'no Gateway selects that ingress'}`,
        gateways.length > 0 ? `use the host the Gateway serves in the policy's hosts, or serve "${host}" from a Gateway`
          : `serve "${host}" from a Gateway of that ingress, or ignore this if a Kubernetes Ingress or a Gateway API route serves it there`,
        gateways[0]?.ref, severity);
    })));
  }

  /** The Gateways of these ingresses, and Gateways whose selector matches nothing (reported by gateway-selector). */
  private gatewaysOf(ingresses: IngressTarget[]): Entry[] {
    return this.gateways.filter((g) => {
      const targets = this.targetsOf(stringMap(obj(g.json.spec)?.selector));
      return targets.length === 0 || targets.some((t) => ingresses.some((i) => i.key === t.key));
    });
  }

  /**
   * A CUSTOM policy on an ingress runs its check (ext_authz) before the router, where a server with
   * `tls.httpsRedirect` answers with its redirect: a request over http:// is checked first. An
   * oauth2-proxy check then starts a sign-in for the http:// URL, whose HTTPS-only session cookie
   * the browser never sends back there, and the sign-in starts again, in a loop. Rules limited to
   * ports (`ports`, `notPorts`) are left alone: the policy's author chose where the check runs.
   */
  private checkCustomCheckBeforeRedirect(ap: Entry, spec: Json, gateways: Entry[], ingress: IngressTarget): void {
    // servers of Gateways that select this ingress (not those that select nothing)
    const redirecting = gateways.filter((g) => this.targetsOf(stringMap(obj(g.json.spec)?.selector)).some((t) => t.key === ingress.key))
      .flatMap((g) => arr(obj(g.json.spec)?.servers).map(obj).filter(isRedirectOnly).map((server) => ({ g, server })));
    if (redirecting.length === 0) return;
    const redirectedHosts = (x: { server: Json | undefined }) => arr(x.server?.hosts).map(str).filter(isString)
      .map((gh) => splitGatewayHost(gh).host);
    // a rule without `to`, or an operation without hosts, covers every host
    arr(spec.rules).forEach((rule, i) => {
      const tos = arr(obj(rule)?.to);
      (tos.length > 0 ? tos : [undefined]).forEach((to, j) => {
        const operation = obj(obj(to)?.operation);
        // ports (the Envoy listener's, e.g. 8443) chosen by the policy's author: where the check runs is theirs to say
        if (arr(operation?.ports).length > 0 || arr(operation?.notPorts).length > 0) return;
        const hosts = arr(operation?.hosts).map(str).filter(isString).map(stripHostPort);
        const notHosts = arr(operation?.notHosts).map(str).filter(isString).map(stripHostPort);
        for (const x of redirecting) {
          const host = redirectedHosts(x).find((gh) => (hosts.length === 0 || hosts.some((h) => istioHostsIntersect(h, gh)))
            && !notHosts.some((n) => istioHostCovers(n, gh)));
          if (host === undefined) continue;
          const k = hosts.findIndex((h) => istioHostsIntersect(h, host));
          const where = tos.length === 0 ? `/spec/rules/${i}` : `/spec/rules/${i}/to/${j}/operation${k >= 0 ? `/hosts/${k}` : ''}`;
          this.add(WiringRule.EXT_AUTHZ_REDIRECT, ap, where,
            `${describe(ap.ref)} sends host "${host}" to its CUSTOM check on every port of the ${ingress.description}, and ${describe(x.g.ref)} redirects "${host}" from port `
            + `${num(obj(x.server?.port)?.number) ?? '?'} to HTTPS: the check runs before the redirect, so a sign-in started over http:// comes back there without the HTTPS-only session cookie and starts again, in a loop`,
            'limit the policy to the HTTPS port (to.operation.ports: the port the ingress gateway\'s Envoy listens on for HTTPS, 8443 in Istio\'s default installation), or drop the redirect server; '
            + 'unless TLS ends at a load balancer in front of the gateway that sends X-Forwarded-Proto: https (numTrustedProxies), for which the port-80 server routes instead of redirecting',
            x.g.ref);
          return;
        }
      });
    });
  }

  /**
   * marin3r's webhook refuses the pods of a namespace without a DiscoveryService: the workload then
   * stays at 0 pods, which only its controller's events show. A warning, since the
   * DiscoveryService may come from other manifests; none with assumeExternalObjects.
   */
  private checkMarin3rDiscovery(w: Workload): void {
    if (w.podLabels['marin3r.3scale.net/status'] !== 'enabled') return;
    const served = this.discoveryServices.filter((d) => d.namespace === w.namespace);
    for (const d of served) this.link(d.ref, w.ref, 'configures');
    if (served.length > 0 || this.assumeExternal) return;
    this.add(WiringRule.MARIN3R_DISCOVERY_SERVICE, w, ['', ...w.templatePath, 'metadata', 'labels', 'marin3r.3scale.net~1status'].join('/'),
      `${describe(w.ref)} asks marin3r for an Envoy sidecar (pod label marin3r.3scale.net/status: enabled), but namespace "${w.namespace}" has no DiscoveryService in these manifests: `
      + "marin3r's webhook refuses pods in a namespace without one, so the workload would stay at 0 pods",
      `add a DiscoveryService in "${w.namespace}" (Marin3rDiscoveryService) and apply it first, or ignore this if one is created elsewhere`);
  }

  // ---------------------------------------------------------------------------------------------
  // Services: selector and targetPort

  private checkService(svc: Entry): void {
    const spec = obj(svc.json.spec) ?? {};
    if (str(spec.type) === 'ExternalName') return;
    const selector = stringMap(spec.selector);
    if (Object.keys(selector).length === 0) return; // endpoints managed elsewhere
    const selected = this.workloads.filter((w) => w.namespace === svc.namespace && selectsPods(selector, w));
    for (const w of selected) this.link(svc.ref, w.ref, 'selects');
    if (selected.length === 0) {
      if (this.assumeExternal) return;
      const candidates = this.workloads.filter((w) => w.namespace === svc.namespace);
      const closest = candidates.sort((a, b) => overlap(selector, b.podLabels) - overlap(selector, a.podLabels))[0];
      this.add(WiringRule.SERVICE_SELECTOR, svc, '/spec/selector',
        `${describe(svc.ref)} selects pods labelled {${showLabels(selector)}}, but ${closest ? `the pods of ${describe(closest.ref)} are labelled {${showLabels(closest.podLabels)}}` : `no workload in namespace "${svc.namespace}" has such pods`}`,
        `${closest ? `make the Service selector a subset of the pod template labels of ${closest.ref.kind} ${closest.name}` : 'add the workload or fix the selector'}`
          + ' (or set assumeExternalObjects if the pods come from outside these manifests, e.g. an operator)', closest?.ref);
      return;
    }
    // an Istio gateway's Envoy listens on the ports its Gateway resources open, which its pod
    // template doesn't declare (the istio/gateway chart declares only 15090)
    const declaring = selected.filter((w) => !w.gateway);
    if (declaring.length === 0) return;
    arr(spec.ports).forEach((p, i) => {
      const port = obj(p);
      if (!port) return;
      const target = port.targetPort ?? port.port;
      if (typeof target === 'string' && !/^\d+$/.test(target)) {
        if (declaring.some((w) => w.portNames.has(target) || w.sidecarPorts.some((sp) => sp.name === target))) return;
        const w = declaring[0];
        this.add(WiringRule.SERVICE_TARGET_PORT, svc, `/spec/ports/${i}/targetPort`,
          `${describe(svc.ref)} sends port ${num(port.port) ?? '?'} to the container port named "${target}", but ${describe(w.ref)} declares ${w.portNames.size > 0 ? `only the named ports ${[...w.portNames].map((n) => `"${n}"`).join(', ')}` : 'no named ports'}`,
          `name the container port "${target}" or set targetPort to one the pods declare`, w.ref);
        return;
      }
      const n = typeof target === 'string' ? Number(target) : num(target);
      if (n === undefined) return;
      const numbered = declaring.filter((w) => w.portNumbers.size > 0);
      if (numbered.length === 0 || numbered.some((w) => w.portNumbers.has(n) || w.sidecarPorts.some((sp) => sp.port === n))) return;
      const w = numbered[0];
      // Kubernetes sends traffic to an undeclared port all the same: a warning, not an error
      this.add(WiringRule.SERVICE_TARGET_PORT, svc, `/spec/ports/${i}/targetPort`,
        `${describe(svc.ref)} sends port ${num(port.port) ?? '?'} to container port ${n}, but ${describe(w.ref)} declares only ${[...w.portNumbers].join(', ')}`,
        `declare port ${n} on the container that listens on it, or set targetPort to the port the container listens on (it declares ${[...w.portNumbers].join(', ')})`,
        w.ref, WiringSeverity.WARNING);
    });
  }
}

// -----------------------------------------------------------------------------------------------
// helpers: defensive accessors that never throw

function obj(x: unknown): Json | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : undefined;
}

function arr(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' && x.length > 0 ? x : undefined;
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function nonEmpty(x: unknown): string | undefined {
  return str(x);
}

function isString(x: string | undefined): x is string {
  return x !== undefined;
}

function isNumber(x: number | undefined): x is number {
  return x !== undefined;
}

/** The string-valued entries of a map; anything else yields an empty map. */
function stringMap(x: unknown): Record<string, string> {
  const o = obj(x);
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

function overlap(selector: Record<string, string>, labels: Record<string, string>): number {
  return Object.entries(selector).filter(([k, v]) => labels[k] === v).length;
}

/**
 * Labels the controllers add to the pods they create (not in the template), as patterns of their
 * values: a Service may select one StatefulSet pod by its name, or a Job's pods by the job.
 */
const CONTROLLER_LABELS: Record<string, Record<string, (value: string, w: Workload) => boolean>> = {
  StatefulSet: {
    'statefulset.kubernetes.io/pod-name': (v, w) => numberedAfter(v, w.name),
    'apps.kubernetes.io/pod-index': (v) => /^\d+$/.test(v),
    'controller-revision-hash': () => true,
  },
  // the Deployment controller puts it in the template of each ReplicaSet it creates
  Deployment: { 'pod-template-hash': () => true },
  DaemonSet: { 'controller-revision-hash': () => true, 'pod-template-generation': () => true },
  // a Job's own name; a CronJob's Jobs are named <cronjob>-<minutes since the epoch>
  Job: jobLabels((v, w) => v === w.name, ['spec']),
  CronJob: jobLabels((v, w) => numberedAfter(v, w.name), ['spec', 'jobTemplate', 'spec']),
};

/** Whether `value` is `<name>-<number>`: a StatefulSet's pod, a CronJob's Job. */
function numberedAfter(value: string, name: string): boolean {
  return value.startsWith(`${name}-`) && /^\d+$/.test(value.slice(name.length + 1));
}

/** The labels the Job controller adds (unless the Job has a manual selector), with the Job's name matched by `jobName`. */
function jobLabels(jobName: (value: string, w: Workload) => boolean, jobSpecPath: string[]): Record<string, (value: string, w: Workload) => boolean> {
  const jobSpec = (w: Workload) => jobSpecPath.reduce<Json | undefined>((o, k) => obj(o?.[k]), w.json);
  const automatic = (w: Workload) => jobSpec(w)?.manualSelector !== true;
  return {
    'job-name': (v, w) => automatic(w) && jobName(v, w),
    'batch.kubernetes.io/job-name': (v, w) => automatic(w) && jobName(v, w),
    'controller-uid': (_v, w) => automatic(w),
    'batch.kubernetes.io/controller-uid': (_v, w) => automatic(w),
    'batch.kubernetes.io/job-completion-index': (v, w) => jobSpec(w)?.completionMode === 'Indexed' && /^\d+$/.test(v),
  };
}

/** Whether a Service selector selects the pods of `w`: their template labels, or the labels their controller adds. */
function selectsPods(selector: Record<string, string>, w: Workload): boolean {
  const added = CONTROLLER_LABELS[w.ref.kind];
  const entries = Object.entries(selector);
  const controllerAdds = (k: string, v: string) => added?.[k] !== undefined && w.podLabels[k] === undefined && added[k](v, w);
  return entries.length > 0 && entries.every(([k, v]) => w.podLabels[k] === v || controllerAdds(k, v));
}

function showLabels(labels: Record<string, string>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(', ');
}

function stableLabels(labels: Record<string, string>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

function describe(ref: WiringObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** Expands `kind: List` (and `*List`) objects; keeps everything else as it is. */
function flatten(manifests: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  const visit = (m: unknown, depth: number) => {
    const o = obj(m);
    if (o && depth < 8 && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const item of o.items) visit(item, depth + 1);
      return;
    }
    out.push(m);
  };
  for (const m of manifests) visit(m, 0);
  return out;
}

function workload(entry: Entry, templatePath: string[]): Workload {
  let template: Json | undefined = entry.json;
  for (const key of templatePath) template = obj(template?.[key]);
  const podLabels = stringMap(obj(template?.metadata)?.labels);
  const annotations = stringMap(obj(template?.metadata)?.annotations);
  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  // an init container serves a Service's named port only as a sidecar (restartPolicy: Always), as
  // Kubernetes' endpoint controller resolves it
  const sidecars = arr(obj(template?.spec)?.initContainers).filter((c) => str(obj(c)?.restartPolicy) === 'Always');
  for (const c of [...arr(obj(template?.spec)?.containers), ...sidecars]) {
    for (const p of arr(obj(c)?.ports)) {
      const name = str(obj(p)?.name);
      const n = num(obj(p)?.containerPort);
      if (name) portNames.add(name);
      if (n !== undefined) portNumbers.add(n);
    }
  }
  for (const p of marin3rPorts(podLabels, annotations)) {
    if (p.name) portNames.add(p.name);
    portNumbers.add(p.port);
  }
  const images = arr(obj(template?.spec)?.containers).map((c) => str(obj(c)?.image) ?? '');
  const gateway = /(^|,)\s*gateway\s*(,|$)/.test(annotations['inject.istio.io/templates'] ?? '')
    // istio/proxyv2, and vendor builds of it (proxyv2-rhel9)
    || images.some((i) => /(^|\/)(istio-)?proxyv2(-[\w.-]+)?(:|@|$)/.test(i));
  return { ...entry, templatePath, podLabels, podAnnotations: annotations, portNames, portNumbers, sidecarPorts: [], gateway };
}

/**
 * A plain-HTTP server with `tls.httpsRedirect`, which answers every request with a redirect to HTTPS
 * and routes nothing (on an HTTPS server the same flag is a no-op istiod warns about).
 */
function isRedirectOnly(server: Json | undefined): boolean {
  const protocol = (str(obj(server?.port)?.protocol) ?? '').toUpperCase();
  const tls = obj(server?.tls);
  return tls?.httpsRedirect === true && (protocol === 'HTTP' || protocol === 'HTTP2') && str(tls?.mode) === undefined;
}

/** A Gateway server TLS mode that passes TLS through to the backend (no certificate of the gateway's). */
function isPassthrough(tls: Json | undefined): boolean {
  const mode = str(tls?.mode);
  return mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
}

/** The names a Certificate is for: its dnsNames and commonName. */
function certificateNames(certificate: Entry): string[] {
  const spec = obj(certificate.json.spec);
  const names = arr(spec?.dnsNames).map(str).filter(isString);
  const commonName = str(spec?.commonName);
  return commonName ? [...names, commonName] : names;
}

function gatewayHosts(g: Entry): Array<{ namespace: string; host: string }> {
  return arr(obj(g.json.spec)?.servers).flatMap((s) => arr(obj(s)?.hosts).map(str).filter(isString).map(splitGatewayHost));
}

/** The protocol prefix of a port name Istio reads (`https-…`, `tls-…`, `http-…`). */
function portNamePrefix(protocol: string): string {
  return protocol === '' ? 'https' : protocol.toLowerCase();
}

function firstHost(server: unknown): string {
  const h = arr(obj(server)?.hosts).map(str).find(isString);
  return h ? splitGatewayHost(h).host.replace(/^\*\./, 'wildcard.') : '';
}
