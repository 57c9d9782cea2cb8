export { EnvoyAccessLog, type EnvoyGrpcAccessLogOptions, type EnvoyStdoutAccessLogOptions } from './access-log';
export { EnvoyBootstrap, type EnvoyBootstrapOptions, type EnvoyOverloadOptions } from './bootstrap';
export {
  type EnvoyCircuitBreakerOptions, EnvoyCluster, EnvoyClusterDiscovery, type EnvoyClusterOptions, EnvoyDnsLookupFamily, type EnvoyEndpoint,
  type EnvoyHealthCheckOptions, type EnvoyHttp2KeepaliveOptions, EnvoyLoadBalancing, type EnvoyOutlierDetectionOptions, type EnvoyTcpKeepaliveOptions,
  EnvoyUpstreamProtocol, type EnvoyUpstreamTlsOptions,
} from './cluster';
export { EnvoyHttpFilter } from './http-filter';
export { EnvoyHashPolicy, EnvoyHttpListener, type EnvoyHttpListenerOptions, type EnvoyRetryOptions, type EnvoyRouteOptions, EnvoyTrafficDirection } from './listener';
export { EnvoyDownstreamTls, type EnvoyDownstreamTlsOptions, EnvoyTlsVersion } from './tls';
