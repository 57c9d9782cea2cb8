/**
 * The public shapes of the wiring checks: what goes in (manifests and a context), what comes out
 * (findings, counts and the links between objects).
 */

/** The checks, by stable id. Each finding names the rule that produced it. */
export enum WiringRule {
  /** `gateway-selector`: a Gateway's selector matches no ingress gateway pods. */
  GATEWAY_SELECTOR = 'gateway-selector',
  /** `virtualservice-gateway`: a VirtualService names a Gateway that doesn't exist. */
  VIRTUALSERVICE_GATEWAY = 'virtualservice-gateway',
  /** `host-mismatch`: hosts disagree between a Gateway and a VirtualService, Certificate or AuthorizationPolicy. */
  HOST_MISMATCH = 'host-mismatch',
  /** `credential-name`: a Gateway's `credentialName` Secret isn't in the ingress gateway's namespace. */
  CREDENTIAL_NAME = 'credential-name',
  /** `gateway-port-name`: two servers of one Gateway share a port name. */
  GATEWAY_PORT_NAME = 'gateway-port-name',
  /**
   * `gateway-shared-certificate`: two Gateways of one ingress serve the same certificate, so
   * browsers that reuse an HTTP/2 connection across their hosts can get 404s (Istio's IST0138).
   */
  GATEWAY_SHARED_CERTIFICATE = 'gateway-shared-certificate',
  /** `destination-service`: a VirtualService routes to a host no Service or ServiceEntry defines. */
  DESTINATION_SERVICE = 'destination-service',
  /** `destination-port`: a VirtualService routes to a port its destination Service doesn't have. */
  DESTINATION_PORT = 'destination-port',
  /** `service-selector`: a Service's selector selects no pods. */
  SERVICE_SELECTOR = 'service-selector',
  /** `service-target-port`: a Service's targetPort isn't a port of the pods it selects. */
  SERVICE_TARGET_PORT = 'service-target-port',
  /**
   * `ext-authz-redirect`: a CUSTOM AuthorizationPolicy checks a host on every port of an ingress
   * whose Gateway redirects that host from HTTP to HTTPS: the check runs before the redirect, so a
   * sign-in started over http:// can loop.
   */
  EXT_AUTHZ_REDIRECT = 'ext-authz-redirect',
  /**
   * `marin3r-discovery-service`: pods labelled for marin3r's sidecar injection in a namespace
   * without a DiscoveryService, whose pods marin3r's webhook refuses.
   */
  MARIN3R_DISCOVERY_SERVICE = 'marin3r-discovery-service',
}

/** How much a finding matters. */
export enum WiringSeverity {
  /** `error`: the manifests don't work as meant (a reference that resolves to nothing, a route to no port). */
  ERROR = 'error',
  /**
   * `warning`: they work, with a known risk, or may, with objects from elsewhere
   * (`gateway-shared-certificate`, which istioctl analyze reports as a warning too,
   * `ext-authz-redirect`, `marin3r-discovery-service`).
   */
  WARNING = 'warning',
}

/** The severity of each rule's findings. @internal */
export function wiringSeverity(rule: WiringRule): WiringSeverity {
  return WARNING_RULES.has(rule) ? WiringSeverity.WARNING : WiringSeverity.ERROR;
}

/**
 * Rules whose findings are warnings: the manifests may work, or another object may make them work.
 * Also the manifest checks' default severities.
 */
const WARNING_RULES: ReadonlySet<WiringRule> = new Set([
  // a warning in istioctl analyze too: clients that don't coalesce connections are not affected
  WiringRule.GATEWAY_SHARED_CERTIFICATE,
  // the loop needs a client that starts over http:// and a check that redirects to sign in
  WiringRule.EXT_AUTHZ_REDIRECT,
  // the DiscoveryService may come from elsewhere (another chart, a platform team's manifests)
  WiringRule.MARIN3R_DISCOVERY_SERVICE,
]);

/** Identifies one object of the manifests. */
export interface WiringObjectRef {
  /** The object's kind, e.g. "Gateway". */
  readonly kind: string;
  /** The object's name. */
  readonly name: string;
  /**
   * The object's namespace as the checks resolved it.
   * @default - cluster-scoped, or not an object of the manifests
   */
  readonly namespace?: string;
  /**
   * The object's apiVersion.
   * @default - not an object of the manifests (e.g. ingress gateway pods from the context)
   */
  readonly apiVersion?: string;
}

/** Ingress gateway pods that the manifests don't contain (an Istio installation, usually). */
export interface IngressGatewayPods {
  /** Namespace the ingress gateway pods run in; `credentialName` Secrets must be there. */
  readonly namespace: string;
  /** The labels of the ingress gateway pods. */
  readonly labels: { [key: string]: string };
}

/** What the checks can't learn from the manifests. */
export interface WiringContext {
  /**
   * Ingress gateway pods outside the manifests. Gateways must select one of these or a workload
   * of the manifests.
   * @default - Istio's default gateways in istio-system: the ingress (app=istio-ingressgateway,
   * istio=ingressgateway) and the egress gateway (app=istio-egressgateway, istio=egressgateway)
   */
  readonly ingressGateways?: IngressGatewayPods[];

  /**
   * Whether objects referenced but absent from the manifests (a Gateway, Service, ServiceEntry,
   * Certificate, Secret, or the pods a Service selects) may be assumed to exist in the cluster.
   * When false, each missing reference is a finding.
   * @default false
   */
  readonly assumeExternalObjects?: boolean;

  /**
   * Namespace of objects without `metadata.namespace` (the namespace `kubectl apply` targets).
   * @default "default"
   */
  readonly defaultNamespace?: string;

  /**
   * The cluster DNS domain of Service FQDNs (`<svc>.<ns>.svc.<domain>`).
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
}

/** One disagreement between two objects. */
export interface WiringFinding {
  /** The rule that found it. */
  readonly rule: WiringRule;
  /** Whether the manifests don't work as meant (`error`) or carry a known risk (`warning`). */
  readonly severity: WiringSeverity;
  /** What disagrees, naming both sides as `Kind namespace/name`. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
  /** The offending object (the one whose field `path` points into). */
  readonly subject: WiringObjectRef;
  /**
   * The other side, when it is an object of the manifests.
   * @default - the other side is missing, or comes from the context
   */
  readonly related?: WiringObjectRef;
  /** JSON pointer of the offending field inside `object`. */
  readonly path: string;
  /** The offending object as it was given. */
  readonly manifest: any;
}

/** A resolved reference between two objects, for drawing the topology. */
export interface WiringLink {
  /** The referring object. */
  readonly source: WiringObjectRef;
  /** The object referred to. */
  readonly target: WiringObjectRef;
  /**
   * How `source` refers to `target`: `selects` (Gateway → ingress pods, Service → workload),
   * `binds` (VirtualService → Gateway), `routes` (VirtualService → Service or ServiceEntry),
   * `credential` (Gateway → Certificate or Secret), `protects` (AuthorizationPolicy → ingress pods).
   */
  readonly relation: string;
}

/** Everything one run of the checks found. */
export interface WiringReport {
  /** The disagreements, in the order of the manifests. */
  readonly findings: WiringFinding[];
  /** The references that resolved. */
  readonly links: WiringLink[];
  /** How many objects the checks understood and looked at. */
  readonly checkedCount: number;
  /** How many entries were ignored (kinds the checks don't read, or not objects at all). */
  readonly ignoredCount: number;
  /** The ignored entries by kind (`<not an object>` for entries that aren't objects). */
  readonly ignoredKinds: { [kind: string]: number };
  /**
   * How many checks of one object stopped on input they could not read (the other checks still
   * ran); 0 unless a manifest is malformed in a way the checks did not anticipate.
   */
  readonly abandonedChecks: number;
}
