import { ApiObject, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { PeerAuthenticationSpecPortLevelMtlsMode, toJson_PeerAuthenticationSpec } from '../../imports/istio-security.istio.io';
import { MESH_ROOT_NAMESPACE } from '../common/injection';
import { versionedObject } from '../istio/ingress';
import { IstioRelease } from '../istio/version';
import { propError, show } from '../validation/errors';

/** The PeerAuthentication of each workload, and the ports it makes STRICT. */
const POLICIES = new WeakMap<kplus.AbstractPod, { readonly policy: ApiObject; readonly ports: Set<number> }>();

/**
 * A PeerAuthentication that makes ports of a workload's pods STRICT (mutual TLS only), so that
 * Prometheus can scrape them with the Istio certificates whatever the mesh's or namespace's mode.
 *
 * Under PERMISSIVE, the sidecar terminates TLS on a port only for Istio's own ALPN values
 * ("istio", "istio-http/1.1", "istio-h2", ...); Prometheus offers "h2"/"http/1.1", so on a port
 * declared as HTTP no filter chain matches and the connection is closed, and on a port of unknown
 * protocol the TLS goes through untouched to the application. Only a STRICT port accepts mutual
 * TLS with any ALPN. Port-level settings need a workload selector; the rest of the pod keeps the
 * mode of the namespace or mesh (`mtls` unset).
 *
 * One policy per workload (two workload-level policies for the same pods conflict): a second call
 * adds its port to the first one's. The policy is a child of the workload, so that it follows the
 * workload (and what the workload needs first, such as its Namespace) in the synthesized file.
 * @param scope the construct whose prop asked for it (named in errors)
 * @internal
 */
export function strictPortPolicy(scope: Construct, prop: string, workload: kplus.AbstractPod, port: number, istio: IstioRelease): ApiObject {
  const existing = POLICIES.get(workload);
  if (existing) {
    existing.ports.add(port);
    return existing.policy;
  }
  const object = ApiObject.of(workload);
  if (object.metadata.namespace === MESH_ROOT_NAMESPACE) {
    throw propError(scope, prop, `workload ${show(object.name)} runs in ${MESH_ROOT_NAMESPACE}, the mesh's root namespace (unless meshConfig.rootNamespace says otherwise), where Istio ignores a PeerAuthentication with a workload selector: the port would keep the mesh's mode and the scrape over mutual TLS would fail`,
      `run the workload in another namespace, or pass ${prop}: false and make the whole mesh STRICT (a PeerAuthentication in ${MESH_ROOT_NAMESPACE} without a selector, mode STRICT), or use METRICS_MERGING`);
  }
  const name = `${object.name}-metrics-mtls`;
  if (name.length > 253) {
    throw propError(scope, prop, `the PeerAuthentication name ${show(name)} is longer than 253 characters`,
      `give the workload a shorter name, or pass ${prop}: false and make the port STRICT yourself`);
  }
  const ports = new Set([port]);
  const spec = Lazy.any({
    produce: () => toJson_PeerAuthenticationSpec({
      selector: { matchLabels: workload.toPodSelectorConfig().labelSelector._toKube().matchLabels ?? {} },
      portLevelMtls: Object.fromEntries([...ports].sort((a, b) => a - b)
        .map((p) => [String(p), { mode: PeerAuthenticationSpecPortLevelMtlsMode.STRICT }])),
    }),
  });
  const policy = versionedObject(workload, 'metrics-peer-authentication', istio.securityApiVersion, 'PeerAuthentication', { name, namespace: object.metadata.namespace }, spec);
  POLICIES.set(workload, { policy, ports });
  return policy;
}
