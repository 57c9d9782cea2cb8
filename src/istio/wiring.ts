import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { IngressCertificate } from './certificate';
import { analyzeWiring } from '../validation/wiring/engine';
import { WiringContext, WiringObjectRef, WiringRule, WiringSeverity } from '../validation/wiring/model';

/** Kinds whose pods a Service may select. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);
/**
 * Objects elsewhere in the app that the synth-time checks read as context: other Gateways share the
 * ingress's port names, Certificates and Secrets back credentialNames, and other CUSTOM policies may
 * claim the ingress.
 */
const CONTEXT_KINDS = new Set(['networking.istio.io/Gateway', 'cert-manager.io/Certificate', 'v1/Secret', 'security.istio.io/AuthorizationPolicy']);

/**
 * What the wiring checks of one construct read: its own objects, the objects outside it that it
 * wires (`related`, e.g. the Service it exposes), and as context the workloads and ingress objects
 * of the rest of the app. `owned` holds the objects whose findings belong to the construct.
 * @internal
 */
export interface WiringScope {
  readonly manifests: any[];
  readonly owned: Set<string>;
}

/**
 * Collects the manifests for a construct's wiring checks at synth time.
 * @param related objects outside `construct` that its routes and policies refer to
 * @param certificate the certificate its Gateways serve, when it was created elsewhere
 * @internal
 */
export function wiringScope(construct: IConstruct, related: ApiObject[], certificate?: IngressCertificate): WiringScope {
  const own = construct.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  const mine = [...own, ...related];
  const elsewhere = construct.node.root.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && !mine.includes(c)
    && (WORKLOAD_KINDS.has(c.kind) || CONTEXT_KINDS.has(`${c.apiVersion.split('/')[0]}/${c.kind}`)));
  const owned = new Set(mine.map((o) => refKey({ kind: o.kind, namespace: o.metadata.namespace, name: o.name })));
  if (certificate) owned.add(refKey({ kind: 'Certificate', namespace: certificate.namespace, name: certificate.name }));
  return { manifests: [...mine, ...elsewhere].map((o) => o.toJson()), owned };
}

/**
 * Runs the wiring checks over a scope and returns the findings that involve the construct's
 * objects, as `<path>: wiring (<rule>): <message>; <fix>`.
 * @internal
 */
export function wiringErrors(construct: IConstruct, scope: WiringScope, context: WiringContext): string[] {
  return analyzeWiring(scope.manifests, context).findings
    // warnings (as in istioctl analyze) are for the manifest checks to report; synth fails on errors.
    // An undeclared numeric target port is a warning for manifests of any origin (Kubernetes routes
    // to it), but in a cdk8s app, whose containers declare their ports, it is a mistake.
    .filter((f) => f.severity === WiringSeverity.ERROR || f.rule === WiringRule.SERVICE_TARGET_PORT)
    .filter((f) => scope.owned.has(refKey(f.subject)) || (f.related !== undefined && scope.owned.has(refKey(f.related))))
    .map((f) => `${construct.node.path}: wiring (${f.rule}): ${f.message}; ${f.fix}`);
}

function refKey(ref: WiringObjectRef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}
