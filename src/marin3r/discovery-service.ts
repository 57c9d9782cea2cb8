import { ApiObject, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import {
  DiscoveryService, DiscoveryServiceSpecResourcesLimits, DiscoveryServiceSpecResourcesRequests,
} from '../../imports/discoveryservices-operator.marin3r.3scale.net';
import { memoryQuantity, requireResources } from '../common/resources';
import { propError } from '../validation/errors';
import { checkDnsLabel, checkDnsSubdomain } from '../validation/names';

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
 * namespace, plus the injection webhook's certificates. Needed once in every namespace that uses
 * `EnvoyDelivery.marin3r()`.
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
    const name = checkDnsSubdomain(this, 'name', props.name ?? 'discoveryservice');
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
