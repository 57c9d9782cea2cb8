import { ApiObject, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct, IConstruct } from 'constructs';
import {
  DiscoveryService, DiscoveryServiceSpecResourcesLimits, DiscoveryServiceSpecResourcesRequests,
} from '../../imports/discoveryservices-operator.marin3r.3scale.net';
import { claimInChart } from '../common/registry';
import { memoryQuantity, requireResources } from '../common/resources';
import { propError } from '../validation/errors';
import { checkDnsLabel } from '../validation/names';

/** The namespaces that have a DiscoveryService, per chart: namespace -> construct path. */
const DISCOVERY_SERVICES = new WeakMap<IConstruct, Map<string, string>>();

/** Props of `Marin3rDiscoveryService`: the namespace it serves, and its pod's image and size. */
export interface Marin3rDiscoveryServiceProps {
  /** Namespace whose Envoy sidecars this discovery service configures (one per namespace). */
  readonly namespace: string;
  /**
   * Name of the DiscoveryService.
   * @default "discoveryservice"
   */
  readonly name?: string;
  /**
   * Requests and limits of the discovery service pod, CPU and memory (all four are required).
   * @default - 100m CPU / 128Mi memory requested, 500m / 512Mi limits (marin3r itself sets none)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Image of the discovery service. Left unset, the marin3r operator fills in the image of its
   * own release, so the discovery service moves with operator upgrades; set a pinned image to
   * hold it at one version.
   * @default - the image the marin3r operator selects for its own version
   */
  readonly image?: string;
  /**
   * Debug logging (secret data is never logged).
   * @default false
   */
  readonly debug?: boolean;
}

/**
 * marin3r's per-namespace discovery service (operator.marin3r.3scale.net/v1alpha1
 * DiscoveryService): the xDS server that feeds EnvoyConfigs to the Envoy sidecars of its
 * namespace, and the certificates that secure its connections to them. Needed once in every
 * namespace that uses `EnvoyDelivery.marin3r()`. (The webhook that injects the sidecars is the
 * operator's own, installed with marin3r.)
 */
export class Marin3rDiscoveryService extends Construct {
  /** The DiscoveryService object. */
  public readonly discoveryService: ApiObject;
  /** The namespace it serves. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: Marin3rDiscoveryServiceProps) {
    super(scope, id);
    if (!props.namespace) throw propError(this, 'namespace', `received ${JSON.stringify(props.namespace)}`, 'name the namespace the discovery service serves');
    this.namespace = checkDnsLabel(this, 'namespace', props.namespace);
    const name = props.name ?? 'discoveryservice';
    // the operator names its Service marin3r-<name>: a DNS-1035 label of at most 63 characters
    if (typeof name !== 'string' || !/^[a-z]([-a-z0-9]{0,53}[a-z0-9])?$/.test(name)) {
      throw propError(this, 'name', `${JSON.stringify(name)} does not fit the Service the operator creates for it, "marin3r-<name>"`,
        'use a DNS-1035 label of at most 55 characters: lower-case letters, digits and "-", starting with a letter');
    }
    // marin3r's webhook refuses the pods of a namespace with several DiscoveryServices
    const other = claimInChart(DISCOVERY_SERVICES, this, this.namespace);
    if (other !== undefined) {
      throw propError(this, 'namespace', `${JSON.stringify(this.namespace)} already has the DiscoveryService of ${other}`,
        "create one Marin3rDiscoveryService per namespace: with several, marin3r's webhook can't tell which one serves the namespace's pods and refuses them");
    }
    const r = requireResources(this, 'resources', props.resources) ?? {
      cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
      memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
    };
    const requests: Record<string, DiscoveryServiceSpecResourcesRequests> = {};
    const limits: Record<string, DiscoveryServiceSpecResourcesLimits> = {};
    if (r.cpu?.request) requests.cpu = DiscoveryServiceSpecResourcesRequests.fromString(r.cpu.request.amount);
    if (r.memory?.request) requests.memory = DiscoveryServiceSpecResourcesRequests.fromString(memoryQuantity(r.memory.request));
    if (r.cpu?.limit) limits.cpu = DiscoveryServiceSpecResourcesLimits.fromString(r.cpu.limit.amount);
    if (r.memory?.limit) limits.memory = DiscoveryServiceSpecResourcesLimits.fromString(memoryQuantity(r.memory.limit));
    this.discoveryService = new DiscoveryService(this, 'Resource', {
      metadata: { name, namespace: this.namespace },
      spec: {
        image: props.image,
        debug: props.debug,
        resources: { requests, limits },
      },
    });
  }
}
