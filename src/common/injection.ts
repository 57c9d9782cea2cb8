/**
 * What the mesh admission webhooks add to a pod, read from the pod's labels and annotations: the
 * one place the wiring checks, the topology and the constructs learn it from.
 */

/** The ports Istio's sidecar binds in the pod: admin, outbound/inbound capture, agent, DNS, stats. @internal */
export const ISTIO_SIDECAR_PORTS: readonly number[] = [15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090];

/** The port the istio-proxy container declares (its Envoy's Prometheus endpoint). @internal */
export const ISTIO_ENVOY_PROM_PORT = { name: 'http-envoy-prom', port: 15090 };

/**
 * The mesh's root namespace as Istio installs it (meshConfig.rootNamespace defaults to istiod's,
 * istio-system): its policies without a selector apply to the whole mesh, its AuthorizationPolicies
 * with one to the pods they select in every namespace, and it ignores PeerAuthentications with one.
 * @internal
 */
export const MESH_ROOT_NAMESPACE = 'istio-system';

/** The namespaces whose pods Istio's injector never touches, whatever their labels. @internal */
export const ISTIO_IGNORED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'];

/**
 * Whether Istio's webhook injects a sidecar, as the selectors of its webhooks decide: a namespace
 * labelled `istio-injection` injects its pods when the value is `enabled` and none otherwise (the
 * webhooks that select pods by their own labels require the namespace label to be absent); else a
 * namespace labelled `istio.io/rev` injects its pods; else a pod is injected when labelled
 * `sidecar.istio.io/inject: "true"` or `istio.io/rev`. The label or, without it, the annotation
 * opts a pod out with any value but y, yes, true or on (the annotation is not a selector).
 * @param namespaceLabels the labels of the pod's namespace, when known
 * @param namespace the pod's namespace: none of the system namespaces the injector ignores is injected
 * @internal
 */
export function istioInjects(
  podLabels: Record<string, string>, podAnnotations: Record<string, string>, namespaceLabels: Record<string, string> | undefined, namespace?: string,
): boolean {
  if (namespace !== undefined && ISTIO_IGNORED_NAMESPACES.includes(namespace)) return false;
  const label = podLabels['sidecar.istio.io/inject'];
  // as Istio's injector reads them: any value but y, yes, true or on (any case) opts out
  const optsOut = (v: string | undefined) => v !== undefined && v !== '' && !['y', 'yes', 'true', 'on'].includes(v.toLowerCase());
  const optedOut = optsOut(label) || (label === undefined && optsOut(podAnnotations['sidecar.istio.io/inject']));
  if (optedOut) return false;
  const namespaceInjection = namespaceLabels?.['istio-injection'];
  if (namespaceInjection !== undefined) return namespaceInjection === 'enabled';
  if (namespaceLabels?.['istio.io/rev']) return true;
  return label === 'true' || !!podLabels['istio.io/rev'];
}

/**
 * The ports of the containers marin3r injects when the pod is labelled for injection: Envoy's from
 * `marin3r.3scale.net/ports` (`name:port[:protocol],...`) and its admin port, and the shutdown
 * manager's.
 * @internal
 */
export function marin3rPorts(podLabels: Record<string, string>, podAnnotations: Record<string, string>): Array<{ name?: string; port: number }> {
  if (podLabels['marin3r.3scale.net/status'] !== 'enabled') return [];
  const ports: Array<{ name?: string; port: number }> = (podAnnotations['marin3r.3scale.net/ports'] ?? '').split(',').map((p) => p.trim().split(':'))
    .filter((parts) => parts.length >= 2 && /^\d+$/.test(parts[1]))
    .map((parts) => ({ name: parts[0], port: Number(parts[1]) }));
  // the injected Envoy always declares its admin port as "admin"; the shutdown manager listens on
  // 8090 (undeclared, but it serves there)
  ports.push({ name: 'admin', port: marin3rPort(podAnnotations['marin3r.3scale.net/admin.port'], 9901) });
  if (goBool(podAnnotations['marin3r.3scale.net/shutdown-manager.enabled'])) {
    ports.push({ port: marin3rPort(podAnnotations['marin3r.3scale.net/shutdown-manager.port'], 8090) });
  }
  return ports;
}

/** A port annotation as marin3r's webhook reads it: the default unless a number from 1024 up. */
function marin3rPort(value: string | undefined, fallback: number): number {
  const n = value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  return n >= 1024 && n <= 65535 ? n : fallback;
}

/** Go's strconv.ParseBool true values, as marin3r parses its boolean annotations. */
function goBool(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}
