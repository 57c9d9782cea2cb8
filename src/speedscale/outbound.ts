import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { isLibraryContainer } from '../common/pod';
import { propError, show } from '../validation/errors';
import { containerName } from '../validation/ports';

/**
 * The proxy variables set on each app container, in both cases: Go's net/http reads the upper
 * case first and falls back to lower case, Python's urllib and requests read both, and curl,
 * wget and Ruby read `http_proxy` only in lower case.
 * @internal
 */
export const PROXY_ENV_NAMES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'] as const;

/**
 * The Kubernetes API server's ClusterIP, which the kubelet puts into every container's
 * environment. `$(VAR)` references in `env` values are expanded from earlier variables and these
 * service variables, so NO_PROXY can name an address only known at run time. client-go connects
 * to this address, not to a DNS name.
 */
const KUBERNETES_API_HOST = '$(KUBERNETES_SERVICE_HOST)';

/**
 * The link-local metadata and credential endpoints of the clouds (the instance metadata of AWS,
 * GCP and Azure, ECS task credentials, EKS Pod Identity) and GKE's metadata host name: plain HTTP
 * that hands out credentials, which must never be recorded by a proxy and uploaded.
 */
const METADATA_ENDPOINTS = ['169.254.169.254', '169.254.170.2', '169.254.170.23', 'metadata.google.internal'];

/** The NO_PROXY entries: what must never go through the forward proxy. @internal */
export function noProxyEntries(options: { clusterDomain: string; captureClusterTraffic: boolean; extra: readonly string[] }): string[] {
  const loopback = ['localhost', '127.0.0.1', '::1'];
  // A leading dot is a suffix match in every client that honours NO_PROXY (Go, Python, curl).
  // ".svc.<domain>" ends in ".<domain>", so it needs no entry of its own.
  const cluster = options.captureClusterTraffic
    ? ['kubernetes.default.svc', `kubernetes.default.svc.${options.clusterDomain}`]
    : ['.svc', `.${options.clusterDomain}`];
  const entries = [...loopback, ...cluster, KUBERNETES_API_HOST, ...METADATA_ENDPOINTS, ...options.extra];
  return entries.filter((e, i) => entries.indexOf(e) === i);
}

/** Checks user NO_PROXY entries: one host, suffix, IP or CIDR each. @internal */
export function checkNoProxyEntry(scope: IConstruct, prop: string, entry: string): string {
  if (typeof entry !== 'string' || entry.length === 0 || /[\s,]/.test(entry)) {
    throw propError(scope, prop, `${show(entry)} is not a single NO_PROXY entry`,
      'give one host name, ".domain" suffix, IP address or CIDR per entry, without commas or spaces');
  }
  if (entry === '*' || entry === '.') {
    throw propError(scope, prop, `${show(entry)} makes every client skip the proxy for every host, so the capture would record no outbound traffic`,
      'list the hosts, ".domain" suffixes or CIDRs that must bypass the proxy');
  }
  return entry;
}

/**
 * The containers that get the proxy variables: the named ones, or every container of the pod
 * that the library didn't add. Init containers never do: they run before the sidecar starts.
 * @internal
 */
export function selectProxyContainers(
  scope: IConstruct, prop: string, pod: kplus.AbstractPod, names: readonly string[] | undefined,
): kplus.Container[] {
  if (names === undefined) {
    const app = pod.containers.filter((c) => !isLibraryContainer(c));
    if (app.length === 0) {
      throw propError(scope, prop, `workload ${show(pod.node.id)} has no app container to send through the forward proxy`,
        'add the app container to the workload before creating SpeedscaleCapture');
    }
    return app;
  }
  if (names.length === 0) {
    throw propError(scope, prop, 'received an empty list', 'name at least one app container, or leave proxyContainers out to use all of them');
  }
  return names.map((name) => {
    const found = pod.containers.find((c) => containerName(c) === name);
    if (!found) {
      const have = pod.containers.map((c) => show(containerName(c))).join(', ');
      throw propError(scope, prop, `no container named ${show(name)} in workload ${show(pod.node.id)} (containers: ${have || 'none'})`,
        'name one of the workload\'s containers');
    }
    return found;
  });
}

/**
 * Sets the proxy variables on `container`. A container that already sets any of them is an
 * error: which value would win differs between clients, and an app's own proxy is not ours to
 * replace.
 * @internal
 */
export function setProxyEnv(scope: IConstruct, prop: string, container: kplus.Container, proxyUrl: string, noProxy: readonly string[]): void {
  const existing = Object.keys(container.env.variables);
  const clash = PROXY_ENV_NAMES.find((name) => existing.includes(name));
  if (clash) {
    throw propError(scope, prop, `container ${show(containerName(container))} already sets ${clash}`,
      `remove it (SpeedscaleCapture sets ${PROXY_ENV_NAMES.join(', ')}; extra NO_PROXY entries go in noProxy), or leave the container out of proxyContainers`);
  }
  const values: Record<(typeof PROXY_ENV_NAMES)[number], string> = {
    HTTP_PROXY: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    NO_PROXY: noProxy.join(','),
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    no_proxy: noProxy.join(','),
  };
  for (const name of PROXY_ENV_NAMES) container.env.addVariable(name, kplus.EnvValue.fromValue(values[name]));
}
