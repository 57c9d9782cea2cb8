import { ApiObject, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { PeerAuthenticationSpecPortLevelMtlsMode, toJson_PeerAuthenticationSpec } from '../../imports/istio-security.istio.io';
import { versionedObject } from '../istio/ingress';
import { IstioRelease } from '../istio/version';
import { propError, show } from '../validation/errors';

/**
 * A PeerAuthentication that makes one port of a workload's pods STRICT (mutual TLS only), so that
 * Prometheus can scrape it with the Istio certificates whatever the mesh's or namespace's mode.
 *
 * Under PERMISSIVE, the sidecar terminates TLS on a port only for Istio's own ALPN values
 * ("istio", "istio-http/1.1", "istio-h2", ...); Prometheus offers "h2"/"http/1.1", so on a port
 * declared as HTTP no filter chain matches and the connection is closed, and on a port of unknown
 * protocol the TLS goes through untouched to the application. Only a STRICT port accepts mutual
 * TLS with any ALPN. Port-level settings need a workload selector; the rest of the pod keeps the
 * mode of the namespace or mesh (`mtls` unset).
 * @internal
 */
export function strictPortPolicy(scope: Construct, id: string, workload: kplus.AbstractPod, port: number, istio: IstioRelease): ApiObject {
  const object = ApiObject.of(workload);
  const name = `${object.name}-metrics-mtls`;
  if (name.length > 253) {
    throw propError(scope, 'peerAuthentication', `the PeerAuthentication name ${show(name)} is longer than 253 characters`, 'give the workload a shorter name, or pass peerAuthentication: false and make the port STRICT yourself');
  }
  const spec = Lazy.any({
    produce: () => {
      const matchLabels = workload.toPodSelectorConfig().labelSelector._toKube().matchLabels ?? {};
      return toJson_PeerAuthenticationSpec({
        selector: { matchLabels },
        portLevelMtls: { [String(port)]: { mode: PeerAuthenticationSpecPortLevelMtlsMode.STRICT } },
      });
    },
  });
  return versionedObject(scope, id, istio.securityApiVersion, 'PeerAuthentication', { name, namespace: object.metadata.namespace }, spec);
}
