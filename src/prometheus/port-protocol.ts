import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { selects } from '../common/labels';
import { IstioRelease } from '../istio/version';
import { propError, show } from '../validation/errors';

/** The protocols Istio serves through its HTTP filter chain (istio/istio's protocol.IsHTTP). */
const HTTP_PROTOCOLS = ['http', 'http2', 'http_proxy', 'grpc', 'grpc-web'];

/** Kubernetes' standard appProtocol names, which Istio maps from 1.18 (exact spelling). */
const STANDARD_APP_PROTOCOLS: Record<string, string> = { 'kubernetes.io/h2c': 'http2', 'kubernetes.io/ws': 'http', 'kubernetes.io/wss': 'https' };

/**
 * The protocol Istio reads from a Service port (istio/istio's kube ConvertProtocol): the
 * `appProtocol` if set (from Istio 1.18 Kubernetes' `kubernetes.io/h2c`, `/ws` and `/wss` map to
 * http2, http and https), else the name; "grpc-web" as a prefix, otherwise the part before the
 * first dash (`http-metrics` is http). Undefined when neither says (Istio then sniffs the port).
 */
function istioProtocol(port: { name?: string; appProtocol?: string }, istio: IstioRelease): string | undefined {
  const given = typeof port.appProtocol === 'string' && port.appProtocol !== '' ? port.appProtocol : port.name;
  if (typeof given !== 'string' || given === '') return undefined;
  if (STANDARD_APP_PROTOCOLS[given] !== undefined && given === port.appProtocol && istio.atLeast(1, 18)) return STANDARD_APP_PROTOCOLS[given];
  const name = given.toLowerCase();
  return name.startsWith('grpc-web') ? 'grpc-web' : name.split('-')[0];
}

/** Istio's protocol names (protocol.Parse); any other name is Unsupported and the port is sniffed. */
const ISTIO_PROTOCOLS = ['http', 'http2', 'http_proxy', 'https', 'tcp', 'tls', 'udp', 'grpc', 'grpc-web', 'mongo', 'redis', 'mysql', 'thrift'];

/**
 * Registers a synth-time check that the Services of the manifests which target a workload's
 * metrics port declare it as HTTP to Istio. Istio takes a port's protocol from the Service port
 * that targets it; a port it doesn't know as HTTP goes through its TCP filter chain, which
 * terminates the mutual TLS, offers `h2` by ALPN and passes the bytes on, so a Prometheus that
 * speaks HTTP/2 (as the scrape jobs do) sends HTTP/2 to the application, and an HTTP/1.1
 * application closes the connection ("unexpected EOF"). Ports that no Service of the manifests
 * targets can't be checked here (the README says what they need).
 * @param scope the construct whose prop asked for the scrape (named in errors)
 * @internal
 */
export function requireHttpMetricsPort(scope: Construct, prop: string, workload: kplus.AbstractPod, port: number, istio: IstioRelease): void {
  scope.node.addValidation({
    validate: () => {
      const pod = ApiObject.of(workload).toJson();
      const labels: Record<string, string> = pod.spec?.template?.metadata?.labels ?? pod.metadata?.labels ?? {};
      const namespace = pod.metadata?.namespace;
      const portNames = workload.containers.flatMap((c) => c.ports.filter((p) => p.number === port && p.name).map((p) => p.name!));
      const errors: string[] = [];
      for (const c of scope.node.root.node.findAll()) {
        if (!(c instanceof ApiObject) || c.kind !== 'Service' || c.apiVersion !== 'v1') continue;
        const service = c.toJson();
        const selector: Record<string, string> = service.spec?.selector ?? {};
        if (service.metadata?.namespace !== namespace || !selects(selector, labels)) continue;
        for (const p of service.spec?.ports ?? []) {
          const target = p.targetPort ?? p.port;
          if (target !== port && !(typeof target === 'string' && portNames.includes(target))) continue;
          const protocol = istioProtocol(p, istio);
          if (protocol !== undefined && HTTP_PROTOCOLS.includes(protocol)) continue;
          const said = p.appProtocol ? `appProtocol ${show(p.appProtocol)}` : p.name ? `name ${show(p.name)}` : 'no name';
          const reads = protocol === undefined ? 'reads no protocol from it (it sniffs the port)'
            : ISTIO_PROTOCOLS.includes(protocol) ? `reads protocol ${show(protocol)} from it` : `knows no protocol ${show(protocol)} (it sniffs the port)`;
          errors.push(propError(scope, prop, `Service ${show(`${namespace ?? ''}/${service.metadata?.name}`.replace(/^\//, ''))} port ${p.port} (${said}) targets the metrics port ${port}, `
            + `and Istio ${reads}, not HTTP: it then serves the port through its TCP filter chain, `
            + 'which offers h2 by ALPN and passes the bytes on, so Prometheus\'s HTTP/2 scrape reaches an HTTP/1.1 application as HTTP/2 and fails ("unexpected EOF")',
          'name the Service port "http-<name>" (e.g. "http-metrics") or give it appProtocol "http"').message);
        }
      }
      return errors;
    },
  });
}
