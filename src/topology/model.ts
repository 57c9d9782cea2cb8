/** The public shapes of the topology: nodes, edges and what they stand for. */
import { WiringObjectRef } from '../validation/wiring/model';

/** What a node of the topology stands for. */
export enum TopologyNodeKind {
  /** Ingress gateway pods (from the wiring context, or a workload a Gateway selects). */
  INGRESS = 'ingress',
  /** An Istio Gateway. */
  GATEWAY = 'gateway',
  /** An Istio VirtualService. */
  VIRTUAL_SERVICE = 'virtualservice',
  /** A Kubernetes Service. */
  SERVICE = 'service',
  /** An Istio ServiceEntry (egress to hosts outside the mesh). */
  SERVICE_ENTRY = 'serviceentry',
  /** A workload (Deployment, StatefulSet, ...): a group holding its containers. */
  WORKLOAD = 'workload',
  /** A container of a workload's pods, declared or injected by a webhook. */
  CONTAINER = 'container',
  /** An upstream cluster of an Envoy in a workload. */
  ENVOY_CLUSTER = 'envoy-cluster',
  /** A cert-manager Certificate or Secret a Gateway serves. */
  CERTIFICATE = 'certificate',
  /** An AuthorizationPolicy with action CUSTOM (ext_authz on the ingress). */
  AUTHORIZATION_POLICY = 'authorizationpolicy',
  /** An Istio EnvoyFilter. */
  ENVOY_FILTER = 'envoyfilter',
  /** A host outside the manifests. */
  EXTERNAL = 'external',
}

/** One node of the topology. */
export interface TopologyNode {
  /** Identifier, unique in the topology; letters, digits and underscores only. */
  readonly id: string;
  /** What it stands for. */
  readonly kind: TopologyNodeKind;
  /** The text shown, lines separated by "\n". */
  readonly label: string;
  /**
   * The workload node this node is drawn inside (containers and Envoy clusters).
   * @default - top level
   */
  readonly parent?: string;
  /** Whether an error finding of the checks is about this object. */
  readonly failed: boolean;
  /**
   * The manifest object it stands for.
   * @default - none (containers, clusters, ingress pods from the context, external hosts)
   */
  readonly object?: WiringObjectRef;
  /**
   * The container's role: app, envoy, sigsci-agent, oauth2-proxy, redis, istio-proxy, cert-sidecar, speedscale.
   * @default - not a container
   */
  readonly role?: string;
}

/** One edge: traffic or a reference from `source` to `target`. */
export interface TopologyEdge {
  /** The id of the node it starts at. */
  readonly source: string;
  /** The id of the node it ends at. */
  readonly target: string;
  /** What flows or refers: `routes`, `ext_authz`, `upstream`, `TLS`, `calls`, ... (may be empty). */
  readonly label: string;
  /** Whether it is a reference rather than traffic (drawn dashed). */
  readonly dashed: boolean;
}
