import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution, Sidecar } from '../../imports/istio-networking.istio.io';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkHostName } from '../validation/names';

/**
 * The hosts Speedscale's components call outside the cluster, as Speedscale's Istio guide
 * lists them (seed 004). All are HTTPS on port 443.
 * @internal
 */
export const DEFAULT_EGRESS_HOSTS: readonly string[] = Object.freeze([
  'app.speedscale.com',
  'firehose.us-east-1.amazonaws.com',
  'sqs.us-east-1.amazonaws.com',
  'sns.us-east-1.amazonaws.com',
  's3.us-east-1.amazonaws.com',
  '*.s3.us-east-1.amazonaws.com',
  'sts.amazonaws.com',
  'sts.us-east-1.amazonaws.com',
  'monitoring.us-east-1.amazonaws.com',
  'gcr.io',
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
 * created once per chart and namespace; later calls with the same hosts get the same object.
 * @internal
 */
export function speedscaleServiceEntry(scope: IConstruct, prop: string, namespace: string, hosts: readonly string[]): ApiObject {
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
    return existing;
  }
  const entry = new ServiceEntry(chart, id, {
    metadata: { name: SERVICE_ENTRY_NAME, namespace },
    spec: {
      hosts: [...hosts],
      // Explicit, so that a mesh-wide defaultServiceExportTo of "." can't hide the entry from the
      // generator and responder pods that Speedscale starts in the app's namespace during replays.
      exportTo: ['*'],
      location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
      ports: [{ name: 'https', number: 443, protocol: 'TLS' }],
      // TLS on 443 is routed by SNI to the address the client resolved: no endpoints to list.
      resolution: ServiceEntrySpecResolution.NONE,
    },
  });
  SERVICE_ENTRIES.set(entry, [...hosts]);
  return entry;
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
  /** The Sidecar of `namespace` in the chart of `scope`, created on first use. */
  public static of(scope: IConstruct, namespace: string): NamespaceEgressSidecar {
    const chart = Chart.of(scope);
    const id = `speedscale-sidecar-egress-${namespace}`;
    return (chart.node.tryFindChild(id) as NamespaceEgressSidecar | undefined) ?? new NamespaceEgressSidecar(chart, id, namespace);
  }

  public readonly apiObject: ApiObject;
  /** Rendered by reference: hosts added by later captures are in the synthesized object. */
  private readonly hosts: string[] = [];

  private constructor(scope: Construct, id: string, namespace: string) {
    super(scope, id);
    this.apiObject = new Sidecar(this, 'resource', {
      metadata: { name: SIDECAR_NAME, namespace },
      spec: { egress: [{ hosts: this.hosts }] },
    });
  }

  /** Adds hosts that are not there yet, in order. */
  public addHosts(hosts: readonly string[]): void {
    for (const host of hosts) if (!this.hosts.includes(host)) this.hosts.push(host);
  }
}
