import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ServiceEntrySpecLocation, ServiceEntrySpecResolution, toJson_ServiceEntrySpec, toJson_SidecarSpec } from '../../imports/istio-networking.istio.io';
import { versionedObject } from '../istio/ingress';
import { IstioRelease } from '../istio/version';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkHostName } from '../validation/names';

/**
 * The hosts Speedscale's components call outside the cluster, as the table of Speedscale's Istio
 * installation page lists them (seed 004's example has eight of them). All are HTTPS on port 443.
 * @internal
 */
export const DEFAULT_EGRESS_HOSTS: readonly string[] = Object.freeze([
  'app.speedscale.com',
  'downloads.speedscale.com',
  'firehose.us-east-1.amazonaws.com',
  'sqs.us-east-1.amazonaws.com',
  'sns.us-east-1.amazonaws.com',
  's3.us-east-1.amazonaws.com',
  '*.s3.us-east-1.amazonaws.com',
  'sts.amazonaws.com',
  'sts.us-east-1.amazonaws.com',
  'monitoring.us-east-1.amazonaws.com',
  'gcr.io',
  'speedscale.github.io',
]);

/** The ServiceEntry's name, as in Speedscale's guide, so applying it replaces a hand-made copy. @internal */
export const SERVICE_ENTRY_NAME = 'speedscale-external-svc-https';

/** The namespace-wide Sidecar's name, as in Speedscale's and Istio's examples. @internal */
export const SIDECAR_NAME = 'default';

/** What a restricted namespace can still reach besides Speedscale: itself and the control plane. @internal */
export const DEFAULT_SIDECAR_EGRESS_HOSTS: readonly string[] = Object.freeze(['./*', 'istio-system/*']);

const SERVICE_ENTRIES = new WeakMap<ApiObject, readonly string[]>();

/**
 * The ServiceEntry that lets Speedscale's pods reach its cloud endpoints in a REGISTRY_ONLY mesh,
 * created once per chart and namespace in the apiVersion of the Istio release; later calls with the
 * same hosts and release get the same object.
 * @internal
 */
export function speedscaleServiceEntry(scope: IConstruct, prop: string, namespace: string, hosts: readonly string[], istio: IstioRelease): ApiObject {
  if (hosts.length === 0) {
    throw propError(scope, prop, 'received an empty host list', 'leave egressHosts out to use Speedscale\'s list, or name at least one host');
  }
  hosts.forEach((h, i) => checkHostName(scope, `${prop}[${i}]`, h, { allowWildcard: true }));
  const repeated = hosts.find((h, i) => hosts.indexOf(h) !== i);
  if (repeated) throw propError(scope, prop, `${show(repeated)} is listed twice`, 'list each host once');

  const chart = Chart.of(scope);
  const id = `speedscale-service-entry-${namespace}`;
  const existing = chart.node.tryFindChild(id) as ApiObject | undefined;
  if (existing) {
    const have = SERVICE_ENTRIES.get(existing) ?? [];
    if (have.join(',') !== hosts.join(',')) {
      throw propError(scope, prop, `${show(hosts)} differs from the hosts of the ServiceEntry ${namespace}/${SERVICE_ENTRY_NAME} already in this chart (${show(have)})`,
        'give every SpeedscaleCapture of the chart the same egressHosts');
    }
    requireSameApiVersion(scope, existing, istio);
    return existing;
  }
  const entry = versionedObject(chart, id, istio.networkingApiVersion, 'ServiceEntry', { name: SERVICE_ENTRY_NAME, namespace }, toJson_ServiceEntrySpec({
    hosts: [...hosts],
    // Explicit, so that a mesh-wide defaultServiceExportTo of "." can't hide the entry from the
    // generator and responder pods that Speedscale starts in the app's namespace during replays.
    exportTo: ['*'],
    location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
    ports: [{ name: 'https', number: 443, protocol: 'TLS' }],
    // TLS on 443 is routed by SNI to the address the client resolved: no endpoints to list.
    resolution: ServiceEntrySpecResolution.NONE,
  }));
  SERVICE_ENTRIES.set(entry, [...hosts]);
  return entry;
}

/** Fails when a shared object was created for another Istio release than `istio`. */
function requireSameApiVersion(scope: IConstruct, existing: ApiObject, istio: IstioRelease): void {
  if (existing.apiVersion !== istio.networkingApiVersion) {
    throw propError(scope, 'istio.istioVersion', `Istio ${istio.text} takes ${istio.networkingApiVersion}, but the ${existing.kind} ${existing.metadata.namespace}/${existing.name} already in this chart is ${existing.apiVersion}`,
      'give every SpeedscaleCapture of the chart the same istio.istioVersion');
  }
}

/** Checks a Sidecar egress host: `<namespace>/<dnsName>`, with `*`, `.` or `~` as namespace. @internal */
export function checkSidecarEgressHost(scope: IConstruct, prop: string, value: string): string {
  const slash = typeof value === 'string' ? value.indexOf('/') : -1;
  if (slash < 0) {
    throw propError(scope, prop, `${show(value)} is not in Istio's "namespace/dnsName" form`, 'write e.g. "./*", "istio-system/*" or "payments/api.payments.svc.cluster.local"');
  }
  const namespace = value.slice(0, slash);
  const host = value.slice(slash + 1);
  if (!['*', '.', '~'].includes(namespace)) checkDnsLabel(scope, `${prop} (namespace)`, namespace);
  if (host !== '*') checkHostName(scope, `${prop} (host)`, host, { allowWildcard: true });
  return value;
}

/**
 * The namespace-wide Sidecar (no workloadSelector) that adds the Speedscale namespace to what
 * the namespace's proxies may reach. One per chart and namespace: every capture in the namespace
 * adds its hosts to the same object.
 * @internal
 */
export class NamespaceEgressSidecar extends Construct {
  /** The Sidecar of `namespace` in the chart of `scope`, created on first use in the apiVersion of `istio`. */
  public static of(scope: IConstruct, namespace: string, istio: IstioRelease): NamespaceEgressSidecar {
    const chart = Chart.of(scope);
    const id = `speedscale-sidecar-egress-${namespace}`;
    const existing = chart.node.tryFindChild(id) as NamespaceEgressSidecar | undefined;
    if (existing) requireSameApiVersion(scope, existing.apiObject, istio);
    return existing ?? new NamespaceEgressSidecar(chart, id, namespace, istio);
  }

  public readonly apiObject: ApiObject;
  /** Rendered at synth: hosts added by later captures are in the synthesized object. */
  private readonly hosts: string[] = [];

  private constructor(scope: Construct, id: string, namespace: string, istio: IstioRelease) {
    super(scope, id);
    this.apiObject = versionedObject(this, 'resource', istio.networkingApiVersion, 'Sidecar', { name: SIDECAR_NAME, namespace },
      Lazy.any({ produce: () => toJson_SidecarSpec({ egress: [{ hosts: [...this.hosts] }] }) }));
  }

  /** Adds hosts that are not there yet, in order. */
  public addHosts(hosts: readonly string[]): void {
    for (const host of hosts) if (!this.hosts.includes(host)) this.hosts.push(host);
  }
}
