import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct, IConstruct } from 'constructs';
import { IngressCertificate } from './certificate';
import { IngressHttpsGateway, requireSameIngressNamespace } from './gateway';
import { IngressGatewayOptions, resolveIngressGateway, versionedObject } from './ingress';
import { IstioRelease } from './version';
import { toJson_VirtualServiceSpec, VirtualServiceSpecHttp } from '../../imports/istio-networking.istio.io';
import { claimInChart } from '../common/registry';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkDnsSubdomain, checkHostName } from '../validation/names';
import { checkPort } from '../validation/ports';

/** The VirtualService names of the IngressRoutes of each chart, by namespace. */
const ROUTE_NAMES = new WeakMap<IConstruct, Map<string, string>>();

/** The path of the IngressRoute of `scope`'s chart that named its VirtualService `namespace/name`, if any. */
function claimedName(scope: IConstruct, namespace: string, name: string): string | undefined {
  return ROUTE_NAMES.get(Chart.of(scope))?.get(`${namespace}/${name}`);
}

/** The Kubernetes cluster DNS domain that Service FQDNs end with. */
const CLUSTER_DOMAIN = 'cluster.local';

/** A path prefix (or an exact path) of the host that goes to another Service than the host's default destination. */
export interface IngressPathRoute {
  /** The path prefix, starting with "/" (e.g. "/oauth2/"); with `exact`, the whole path. */
  readonly pathPrefix: string;
  /**
   * Match `pathPrefix` as the whole path (`uri.exact`) instead of a prefix.
   * @default false
   */
  readonly exact?: boolean;
  /** The Service that serves the prefix. */
  readonly service: kplus.Service;
  /**
   * The Service port.
   * @default - the Service's only port
   */
  readonly port?: number;
}

/** Props of `IngressRoute`: the host, the Service behind it, the certificate and the ingress gateway. */
export interface IngressRouteProps {
  /** The public host name, e.g. "myapp.cluster.example.com". */
  readonly host: string;

  /** The Service that serves the host. */
  readonly service: kplus.Service;

  /**
   * The Service port traffic goes to.
   * @default - the Service's only port (an error if it has several)
   */
  readonly port?: number;

  /**
   * The certificate the gateway serves for the host. It must cover the host and live in the
   * ingress gateway's namespace; the Gateway's `credentialName` is its Secret.
   * @default - none: required unless `sharedGateway` is given, which has the certificate
   */
  readonly certificate?: IngressCertificate;

  /**
   * A Gateway whose one server serves this host with other hosts of the same certificate. The
   * route then adds only its VirtualService, bound to that Gateway; the Gateway decides the
   * ingress gateway and the Istio release. Use it for hosts that share a certificate (a wildcard,
   * or one certificate of several names): on Gateways of their own, browsers that reuse one
   * HTTP/2 connection for all of them get 404s (IST0138).
   * @default - the route creates a Gateway of its own for the host, with `certificate`
   */
  readonly sharedGateway?: IngressHttpsGateway;

  /**
   * Namespace of the Gateway and the VirtualService.
   * @default - the Service's namespace
   */
  readonly namespace?: string;

  /**
   * Name of the Gateway and the VirtualService.
   * @default - the Service's name
   */
  readonly name?: string;

  /**
   * Path prefixes routed to other Services, matched before the default route in the order given.
   * @default - every path goes to `service`
   */
  readonly pathRoutes?: IngressPathRoute[];

  /**
   * Answer every request to the host with a redirect (301) to the same path on this host
   * instead of routing it to `service` (which still names the route's namespace and name).
   * @default - requests go to `service` (and `pathRoutes`)
   */
  readonly redirectHost?: string;

  /**
   * The ingress gateway that serves the host (not with `sharedGateway`, which has its own).
   * @default - istio-system, pods labelled istio=ingressgateway; with `sharedGateway`, its ingress gateway
   */
  readonly ingressGateway?: IngressGatewayOptions;

  /**
   * The Istio release the objects are for; it decides their apiVersion (networking.istio.io/v1
   * from 1.22, v1beta1 before). Not with `sharedGateway`, whose release applies.
   * @default "1.30"; with `sharedGateway`, its release
   */
  readonly istioVersion?: string;

  /**
   * The cluster's DNS domain, which ends the Service FQDNs the VirtualService routes to (Istio
   * expands only single-label hosts, so the destinations are written in full).
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * Also serve the host on port 80, answering plain HTTP with a 301 to HTTPS (see
   * `IngressHttpsGatewayProps.httpsRedirect`). Not with `sharedGateway`, which decides it.
   * @default false - HTTPS only: plain http:// gets no answer
   */
  readonly httpsRedirect?: boolean;
}

/**
 * One host exposed through the Istio ingress gateway over HTTPS: a Gateway with one server for the
 * host (TLS 1.2 or newer, the certificate's Secret as `credentialName`, a port name derived from
 * the host; with `httpsRedirect`, also a port-80 server redirecting to HTTPS) and a VirtualService
 * bound to that Gateway that
 * routes to a Service by its FQDN and port. With `sharedGateway`, only the VirtualService, bound to
 * a Gateway that serves the host with others of the same certificate.
 */
export class IngressRoute extends Construct {
  /**
   * The Gateway. With `sharedGateway` it is the shared one: a JSON patch on it changes the server
   * of every host it serves.
   */
  public readonly gateway: ApiObject;
  /** The VirtualService. */
  public readonly virtualService: ApiObject;
  /** The host. */
  public readonly host: string;
  /** Namespace of the VirtualService (and of the Gateway, unless it is shared). */
  public readonly namespace: string;
  /** Name of the VirtualService (and of the Gateway, unless it is shared). */
  public readonly name: string;
  /** The Gateway server's port name (`https-<first host with dashes>`). */
  public readonly portName: string;
  /** The cluster DNS domain of the destination FQDNs. */
  public readonly clusterDomain: string;

  constructor(scope: Construct, id: string, props: IngressRouteProps) {
    super(scope, id);
    this.host = checkHostName(this, 'host', props.host);
    this.namespace = checkDnsLabel(this, 'namespace', props.namespace ?? serviceNamespace(this, 'service', props.service));
    this.name = checkDnsSubdomain(this, 'name', props.name ?? props.service.name);
    const clusterDomain = this.clusterDomain = checkHostName(this, 'clusterDomain', props.clusterDomain ?? CLUSTER_DOMAIN);
    // the VirtualService (and an own Gateway) take this name: a second route of the same name would
    // replace the first on apply, and its host would lose its route without a word
    const sameName = claimedName(this, this.namespace, this.name);
    if (sameName !== undefined) {
      throw propError(this, 'name', `${show(this.name)} in namespace ${show(this.namespace)} is already the name of IngressRoute ${sameName}'s VirtualService (a route's name defaults to its Service's)`,
        'give each route of a Service its own name');
    }
    const redirectHost = props.redirectHost === undefined ? undefined : checkHostName(this, 'redirectHost', props.redirectHost);
    // both are checked host names, which are lower case
    if (redirectHost !== undefined && redirectHost === this.host) {
      throw propError(this, 'redirectHost', `${show(redirectHost)} is the route's own host, which would redirect every request to itself`, 'redirect to another host, or drop redirectHost');
    }
    const gateway = props.sharedGateway ? this.useSharedGateway(props.sharedGateway, props) : this.ownGateway(props);
    this.gateway = gateway.gateway;
    this.portName = gateway.portName;

    const http: VirtualServiceSpecHttp[] = [];
    if (redirectHost !== undefined) {
      if (props.pathRoutes?.length) {
        throw propError(this, 'pathRoutes', 'is set together with redirectHost, which answers every request with a redirect', 'drop pathRoutes, or redirectHost');
      }
      http.push({ name: 'redirect', redirect: { authority: redirectHost } });
    } else {
      (props.pathRoutes ?? []).forEach((r, i) => {
        if (typeof r.pathPrefix !== 'string' || !r.pathPrefix.startsWith('/')) {
          throw propError(this, `pathRoutes[${i}].pathPrefix`, `${show(r.pathPrefix)} does not start with "/"`, 'give a path prefix such as "/oauth2/"');
        }
        http.push({
          name: `${checkDnsLabel(this, `pathRoutes[${i}].service`, r.service.name)}-${i}`,
          match: [{ uri: r.exact ? { exact: r.pathPrefix } : { prefix: r.pathPrefix } }],
          route: [{ destination: serviceDestination(this, `pathRoutes[${i}]`, r.service, r.port, clusterDomain) }],
        });
      });
      http.push({ name: 'default', route: [{ destination: serviceDestination(this, 'service', props.service, props.port, clusterDomain) }] });
    }

    this.virtualService = versionedObject(this, 'virtual-service', gateway._istio.networkingApiVersion, 'VirtualService', { name: this.name, namespace: this.namespace },
      toJson_VirtualServiceSpec({
        hosts: [this.host],
        gateways: [gateway.reference],
        http,
      }));
    // claimed once the route is complete (a route that failed takes no name)
    claimInChart(ROUTE_NAMES, this, `${this.namespace}/${this.name}`);
  }

  /** A Gateway of the route's own, for its host alone. */
  private ownGateway(props: IngressRouteProps): IngressHttpsGateway {
    const istio = IstioRelease.parse(this, 'istioVersion', props.istioVersion);
    const ingress = resolveIngressGateway(this, 'ingressGateway', props.ingressGateway);
    if (!props.certificate) {
      throw propError(this, 'certificate', 'received undefined', 'give the certificate that covers the host, or a sharedGateway that serves it');
    }
    requireSameIngressNamespace(this, 'certificate', props.certificate, ingress);
    props.certificate._requireCovers(this, 'host', this.host);
    return new IngressHttpsGateway(this, 'https-gateway', {
      hosts: [this.host],
      certificate: props.certificate,
      namespace: this.namespace,
      name: this.name,
      ingressGateway: ingress,
      istioVersion: istio.text,
      httpsRedirect: props.httpsRedirect,
    });
  }

  /** A Gateway that serves the host with others; what it decides can't be given to the route too. */
  private useSharedGateway(shared: IngressHttpsGateway, props: IngressRouteProps): IngressHttpsGateway {
    if (!(shared instanceof IngressHttpsGateway)) {
      throw propError(this, 'sharedGateway', `received ${show(shared)}`, 'pass an IngressHttpsGateway');
    }
    for (const prop of ['certificate', 'ingressGateway', 'istioVersion', 'httpsRedirect'] as const) {
      if (props[prop] !== undefined) {
        throw propError(this, prop, `received ${show(props[prop])} together with sharedGateway ${shared.reference}, which decides it`,
          `leave ${prop} out, or set it on the IngressHttpsGateway ${shared.node.path}`);
      }
    }
    shared._bindRoute(this, 'host', this.host);
    return shared;
  }
}

/**
 * The namespace of a Service: its own, or its chart's. Fails when neither is set, because the
 * Service's FQDN would be unknown.
 * @internal
 */
export function serviceNamespace(scope: IConstruct, prop: string, service: kplus.Service): string {
  const ns = service.metadata.namespace ?? Chart.of(service).namespace;
  if (!ns) {
    throw propError(scope, prop, `Service ${show(service.name)} has no namespace (neither metadata.namespace nor its chart's namespace)`,
      'set metadata.namespace on the Service so its FQDN is known');
  }
  return ns;
}

/** `<name>.<namespace>.svc.<clusterDomain>`. @internal */
export function serviceFqdn(scope: IConstruct, prop: string, service: kplus.Service, clusterDomain: string = CLUSTER_DOMAIN): string {
  return `${service.name}.${serviceNamespace(scope, prop, service)}.svc.${clusterDomain}`;
}

/**
 * The Service port a route goes to: `port` when the Service has it, else its only port.
 * @internal
 */
export function servicePort(scope: IConstruct, prop: string, service: kplus.Service, port?: number): number {
  const ports = service.ports.map((p) => p.port);
  if (port !== undefined) {
    checkPort(scope, `${prop}.port`, port);
    if (!ports.includes(port)) {
      throw propError(scope, `${prop}.port`, `Service ${show(service.name)} has no port ${port} (ports: ${ports.join(', ') || 'none'})`, 'use one of the Service ports');
    }
    return port;
  }
  if (ports.length !== 1) {
    throw propError(scope, `${prop}.port`, `Service ${show(service.name)} has ${ports.length === 0 ? 'no ports' : `several ports (${ports.join(', ')})`}`,
      ports.length === 0 ? 'add a port to the Service' : 'say which Service port to route to');
  }
  return ports[0];
}

function serviceDestination(scope: IConstruct, prop: string, service: kplus.Service, port: number | undefined, clusterDomain: string) {
  return { host: serviceFqdn(scope, prop, service, clusterDomain), port: { number: servicePort(scope, prop, service, port) } };
}
