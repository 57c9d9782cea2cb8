import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { propError } from '../validation/errors';
import { checkDnsLabel, checkLabelValue, checkQualifiedName } from '../validation/names';

/** The Istio ingress gateway that serves a host: where its pods run and how they are labelled. */
export interface IngressGatewayOptions {
  /**
   * Namespace of the ingress gateway pods. TLS Secrets named by `credentialName` must live here,
   * so Certificates for the ingress are created in this namespace.
   * @default "istio-system"
   */
  readonly namespace?: string;

  /**
   * Labels of the ingress gateway pods; Gateways select them with exactly these labels.
   * @default { istio: "ingressgateway" } — the default `istio-ingressgateway` installation
   */
  readonly labels?: { [key: string]: string };
}

/** An ingress gateway with its defaults filled in. @internal */
export interface ResolvedIngressGateway {
  readonly namespace: string;
  readonly labels: { [key: string]: string };
}

/** The default `istio-ingressgateway` installation. @internal */
export const DEFAULT_INGRESS_GATEWAY: ResolvedIngressGateway = { namespace: 'istio-system', labels: { istio: 'ingressgateway' } };

/**
 * Fills in the defaults of an ingress gateway and checks its namespace and labels.
 * @internal
 */
export function resolveIngressGateway(scope: IConstruct, prop: string, options: IngressGatewayOptions = {}): ResolvedIngressGateway {
  const namespace = checkDnsLabel(scope, `${prop}.namespace`, options.namespace ?? DEFAULT_INGRESS_GATEWAY.namespace);
  const labels = options.labels ?? DEFAULT_INGRESS_GATEWAY.labels;
  if (Object.keys(labels).length === 0) {
    throw propError(scope, `${prop}.labels`, 'received no labels', 'give the labels of the ingress gateway pods, e.g. { istio: "ingressgateway" }');
  }
  for (const [key, value] of Object.entries(labels)) {
    checkQualifiedName(scope, `${prop}.labels`, key);
    checkLabelValue(scope, `${prop}.labels.${key}`, value);
  }
  return { namespace, labels: { ...labels } };
}

/**
 * The Gateway server port name for a host: `https-` and the host with dots as dashes
 * (`https-myapp-cluster-example-com`). Istio needs them unique within one Gateway only, but a name
 * after the host says in istiod's route names (`https.443.<name>.<Gateway>.<namespace>`) and in
 * the gateway's statistics which server is meant.
 * @internal
 */
export function serverPortName(protocol: string, host: string): string {
  return `${protocol}-${host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-')}`;
}

/**
 * An object of a CRD kind whose apiVersion depends on the Istio release. The spec is built with
 * the generated `toJson_*` mapper of the kind, so it is typed like the generated classes.
 * @internal
 */
export function versionedObject(scope: Construct, id: string, apiVersion: string, kind: string,
  metadata: ApiObjectMetadata, spec: unknown): ApiObject {
  return new ApiObject(scope, id, { apiVersion, kind, metadata, spec });
}
