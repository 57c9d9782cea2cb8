import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { IngressCertificate } from './certificate';
import { IngressGatewayOptions, resolveIngressGateway, ResolvedIngressGateway, serverPortName, versionedObject } from './ingress';
import { IstioRelease } from './version';
import {
  GatewaySpecServers, GatewaySpecServersTlsMinProtocolVersion, GatewaySpecServersTlsMode, toJson_GatewaySpec,
} from '../../imports/istio-networking.istio.io';
import { propError, show } from '../validation/errors';
import { checkDnsLabel, checkDnsSubdomain, checkHostName } from '../validation/names';

/** The port of the Gateway servers (HTTPS). @internal */
export const INGRESS_HTTPS_PORT = 443;
/** The port of the redirecting server (plain HTTP). @internal */
export const INGRESS_HTTP_PORT = 80;

/** Props of `IngressHttpsGateway`: the hosts that share one certificate, and where the Gateway goes. */
export interface IngressHttpsGatewayProps {
  /**
   * The public host names the server serves, e.g. an app's host and the host of its sign-in
   * service. The certificate must cover each; `IngressRoute`s with `sharedGateway` route them.
   */
  readonly hosts: string[];

  /**
   * The certificate the server presents for every host. It must live in the ingress gateway's
   * namespace; the Gateway's `credentialName` is its Secret.
   */
  readonly certificate: IngressCertificate;

  /** Namespace of the Gateway. */
  readonly namespace: string;

  /** Name of the Gateway. */
  readonly name: string;

  /**
   * The ingress gateway that serves the hosts.
   * @default - istio-system, pods labelled istio=ingressgateway
   */
  readonly ingressGateway?: IngressGatewayOptions;

  /**
   * The Istio release the Gateway is for; it decides its apiVersion (networking.istio.io/v1 from
   * 1.22, v1beta1 before), and that of the VirtualServices bound to it.
   * @default "1.30"
   */
  readonly istioVersion?: string;

  /**
   * Also serve the hosts on port 80, plain HTTP, answering every request with a 301 to the same
   * URL over HTTPS (a second server with `tls.httpsRedirect`). The ingress gateway's Service must
   * publish port 80 (Istio's default installations and its gateway chart do). Not for hosts behind
   * a CUSTOM authorization check that covers every port of the gateway, such as `OAuth2ProxyIstio`'s
   * (which makes its own Gateway, without one): the check runs before the redirect, and a
   * sign-in started over HTTP returns there without the HTTPS-only session cookie, in a loop.
   * @default false - HTTPS only: plain http:// gets no answer
   */
  readonly httpsRedirect?: boolean;
}

/**
 * A Gateway with one HTTPS server (TLS 1.2 or newer) for several hosts that share a certificate,
 * and with `httpsRedirect` a second, plain-HTTP server on port 80 that redirects them to HTTPS.
 *
 * Browsers reuse an HTTP/2 connection for every host its certificate covers. When those hosts are
 * servers of different Gateways, a request for one host can arrive on the filter chain of
 * another, which has no route for it and answers 404 (`istioctl analyze`: IST0138). One server
 * for all of them puts every host in the same filter chain and route table. Bind a VirtualService
 * per host with `IngressRoute`'s `sharedGateway`.
 */
export class IngressHttpsGateway extends Construct {
  /** The Gateway. */
  public readonly gateway: ApiObject;
  /** The hosts of its server. */
  public readonly hosts: string[];
  /** Namespace of the Gateway. */
  public readonly namespace: string;
  /** Name of the Gateway. */
  public readonly name: string;
  /** The server's port name (`https-` and the first host with dashes), which says in istiod's route names and stats what the server serves. */
  public readonly portName: string;
  /** The certificate the server presents. */
  public readonly certificate: IngressCertificate;
  /** Whether a port-80 server redirects the hosts to HTTPS. */
  public readonly httpsRedirect: boolean;
  /** @internal */
  public readonly _istio: IstioRelease;
  /** @internal */
  public readonly _ingress: ResolvedIngressGateway;
  /** The route bound to each host (host names are lower case), so that a host gets one. */
  private readonly routes = new Map<string, string>();

  constructor(scope: Construct, id: string, props: IngressHttpsGatewayProps) {
    super(scope, id);
    this._istio = IstioRelease.parse(this, 'istioVersion', props.istioVersion);
    this._ingress = resolveIngressGateway(this, 'ingressGateway', props.ingressGateway);
    if (!Array.isArray(props.hosts) || props.hosts.length === 0) {
      throw propError(this, 'hosts', `received ${Array.isArray(props.hosts) ? 'no hosts' : show(props.hosts)}`, 'give the host names the certificate covers, e.g. ["myapp.example.com", "oauth.example.com"]');
    }
    const seen = new Map<string, number>();
    props.hosts.forEach((h, i) => {
      checkHostName(this, `hosts[${i}]`, h);
      const twin = seen.get(h);
      if (twin !== undefined) throw propError(this, `hosts[${i}]`, `${show(h)} is hosts[${twin}] again`, 'give each host once');
      seen.set(h, i);
    });
    if (!(props.certificate instanceof IngressCertificate)) {
      throw propError(this, 'certificate', `received ${show(props.certificate)}`, 'give the IngressCertificate that covers the hosts');
    }
    requireSameIngressNamespace(this, 'certificate', props.certificate, this._ingress);
    props.hosts.forEach((h, i) => props.certificate._requireCovers(this, `hosts[${i}]`, h));
    this.certificate = props.certificate;
    this.hosts = [...props.hosts];
    this.namespace = checkDnsLabel(this, 'namespace', props.namespace);
    this.name = checkDnsSubdomain(this, 'name', props.name);
    this.portName = serverPortName('https', this.hosts[0]);
    if (props.httpsRedirect !== undefined && typeof props.httpsRedirect !== 'boolean') {
      throw propError(this, 'httpsRedirect', `received ${show(props.httpsRedirect)}`, 'give true or false');
    }
    this.httpsRedirect = props.httpsRedirect ?? false;
    const servers: GatewaySpecServers[] = [{
      hosts: this.hosts,
      port: { name: this.portName, number: INGRESS_HTTPS_PORT, protocol: 'HTTPS' },
      tls: {
        mode: GatewaySpecServersTlsMode.SIMPLE,
        credentialName: props.certificate.secretName,
        minProtocolVersion: GatewaySpecServersTlsMinProtocolVersion.TLSV1_UNDERSCORE_2,
      },
    }];
    if (this.httpsRedirect) {
      servers.push({ hosts: this.hosts, port: { name: serverPortName('http', this.hosts[0]), number: INGRESS_HTTP_PORT, protocol: 'HTTP' }, tls: { httpsRedirect: true } });
    }
    this.gateway = versionedObject(this, 'gateway', this._istio.networkingApiVersion, 'Gateway', { name: this.name, namespace: this.namespace },
      toJson_GatewaySpec({ selector: this._ingress.labels, servers }));
  }

  /** `<namespace>/<name>`, as a VirtualService names the Gateway. */
  public get reference(): string {
    return `${this.namespace}/${this.name}`;
  }

  /**
   * Records that `route` routes `host`: the host must be one of the server's, and not routed yet.
   * @internal
   */
  public _bindRoute(route: IConstruct, prop: string, host: string): void {
    if (!this.hosts.includes(host)) {
      throw propError(route, prop, `${show(host)} is not a host of Gateway ${this.reference} (hosts: ${this.hosts.join(', ')})`,
        `add the host to the hosts of ${this.node.path}, or route one of its hosts`);
    }
    const other = this.routes.get(host);
    if (other !== undefined) {
      throw propError(route, prop, `${show(host)} already has a route on Gateway ${this.reference} (${other}); istiod would merge the two VirtualServices' routes in the order the objects were created in the cluster, which the manifests don't decide`,
        'route each host of the Gateway once, with every path of the host in that route (pathRoutes)');
    }
    this.routes.set(host, route.node.path);
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
