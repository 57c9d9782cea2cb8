import { ApiObject, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct, IConstruct } from 'constructs';
import { IngressCertificate } from './certificate';
import { IngressGatewayOptions, resolveIngressGateway, ResolvedIngressGateway, serverPortName, versionedObject } from './ingress';
import { IstioRelease } from './version';
import {
  GatewaySpecServersTlsMinProtocolVersion,
  GatewaySpecServersTlsMode,
  toJson_GatewaySpec,
  toJson_VirtualServiceSpec,
  VirtualServiceSpecHttp,
} from '../../imports/istio-networking.istio.io';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkDnsSubdomain, checkHostName } from '../validation/names';
import { checkPort } from '../validation/ports';

/** The Kubernetes cluster DNS domain that Service FQDNs end with. */
const CLUSTER_DOMAIN = 'cluster.local';

/** A path prefix of the host that goes to another Service than the host's default destination. */
export interface IngressPathRoute {
  /** The path prefix, starting with "/" (e.g. "/oauth2/"). */
  readonly pathPrefix: string;
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
   */
  readonly certificate: IngressCertificate;

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
   * The ingress gateway that serves the host.
   * @default - istio-system, pods labelled istio=ingressgateway
   */
  readonly ingressGateway?: IngressGatewayOptions;

  /**
   * The Istio release the objects are for; it decides their apiVersion (networking.istio.io/v1
   * from 1.22, v1beta1 before).
   * @default "1.30"
   */
  readonly istioVersion?: string;

  /**
   * The cluster's DNS domain, which ends the Service FQDNs the VirtualService routes to (Istio
   * expands only single-label hosts, so the destinations are written in full).
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
}

/**
 * One host exposed through the Istio ingress gateway over HTTPS: a Gateway with one server for the
 * host (TLS 1.2 or newer, the certificate's Secret as `credentialName`, a port name derived from
 * the host so it is unique across the ingress) and a VirtualService bound to that Gateway that
 * routes to a Service by its FQDN and port.
 */
export class IngressRoute extends Construct {
  /** The Gateway. */
  public readonly gateway: ApiObject;
  /** The VirtualService. */
  public readonly virtualService: ApiObject;
  /** The host. */
  public readonly host: string;
  /** Namespace of the Gateway and VirtualService. */
  public readonly namespace: string;
  /** Name of the Gateway and VirtualService. */
  public readonly name: string;
  /** The Gateway server's port name (`https-<host with dashes>`). */
  public readonly portName: string;
  /** The cluster DNS domain of the destination FQDNs. */
  public readonly clusterDomain: string;

  constructor(scope: Construct, id: string, props: IngressRouteProps) {
    super(scope, id);
    const istio = IstioRelease.parse(this, 'istioVersion', props.istioVersion);
    const ingress = resolveIngressGateway(this, 'ingressGateway', props.ingressGateway);
    this.host = checkHostName(this, 'host', props.host);
    requireSameIngressNamespace(this, 'certificate', props.certificate, ingress);
    props.certificate._requireCovers(this, 'host', this.host);
    this.namespace = checkDnsLabel(this, 'namespace', props.namespace ?? serviceNamespace(this, 'service', props.service));
    this.name = checkDnsSubdomain(this, 'name', props.name ?? props.service.name);
    this.portName = serverPortName('https', this.host);
    const clusterDomain = this.clusterDomain = checkHostName(this, 'clusterDomain', props.clusterDomain ?? CLUSTER_DOMAIN);
    const metadata = { name: this.name, namespace: this.namespace };

    this.gateway = versionedObject(this, 'gateway', istio.networkingApiVersion, 'Gateway', metadata, toJson_GatewaySpec({
      selector: ingress.labels,
      servers: [{
        hosts: [this.host],
        port: { name: this.portName, number: 443, protocol: 'HTTPS' },
        tls: {
          mode: GatewaySpecServersTlsMode.SIMPLE,
          credentialName: props.certificate.secretName,
          minProtocolVersion: GatewaySpecServersTlsMinProtocolVersion.TLSV1_UNDERSCORE_2,
        },
      }],
    }));

    const http: VirtualServiceSpecHttp[] = [];
    (props.pathRoutes ?? []).forEach((r, i) => {
      if (typeof r.pathPrefix !== 'string' || !r.pathPrefix.startsWith('/')) {
        throw propError(this, `pathRoutes[${i}].pathPrefix`, `${show(r.pathPrefix)} does not start with "/"`, 'give a path prefix such as "/oauth2/"');
      }
      http.push({
        name: `${checkDnsLabel(this, `pathRoutes[${i}].service`, r.service.name)}-${i}`,
        match: [{ uri: { prefix: r.pathPrefix } }],
        route: [{ destination: serviceDestination(this, `pathRoutes[${i}]`, r.service, r.port, clusterDomain) }],
      });
    });
    http.push({ name: 'default', route: [{ destination: serviceDestination(this, 'service', props.service, props.port, clusterDomain) }] });

    this.virtualService = versionedObject(this, 'virtual-service', istio.networkingApiVersion, 'VirtualService', metadata, toJson_VirtualServiceSpec({
      hosts: [this.host],
      gateways: [`${this.namespace}/${this.name}`],
      http,
    }));
  }
}

/**
 * Fails when a certificate was made for another ingress namespace than the gateway that serves it.
 * @internal
 */
export function requireSameIngressNamespace(scope: IConstruct, prop: string, certificate: IngressCertificate, ingress: ResolvedIngressGateway): void {
  if (certificate.namespace !== ingress.namespace) {
    throw propError(scope, prop, `Certificate ${certificate.namespace}/${certificate.name} writes Secret "${certificate.secretName}" to namespace "${certificate.namespace}", but the ingress gateway runs in "${ingress.namespace}" and reads credentialName Secrets only from there`,
      `create the certificate with ingressGateway.namespace "${ingress.namespace}"`);
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
