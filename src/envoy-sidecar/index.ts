export { type ConfigMapDeliveryOptions, EnvoyDelivery, type Marin3rDeliveryOptions } from './delivery';
export {
  type EnvoyInboundOptions, EnvoyIpFamily, EnvoyLogLevel, type EnvoyServiceOptions, EnvoySidecar, type EnvoySidecarOverloadOptions,
  type EnvoySidecarProps, type EnvoyUpstreamOptions,
} from './sidecar';
export { EnvoyTls } from './tls';
