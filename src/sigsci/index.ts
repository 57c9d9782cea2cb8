export {
  SigSciAgent, type SigSciAgentBaseProps, type SigSciAgentProps, type SigSciReverseProxyOptions, type SigSciServiceOptions,
} from './agent';
export { SigSciCredentials, type SigSciSecretKeys } from './credentials';
export { type SigSciEnvoyWiringOptions, SigSciFailureMode } from './envoy';
export { type SigSciCustomTagOptions, SigSciImage, type SigSciImageOptions } from './image';
export { type SigSciAgentOptions } from './options';
export { SigSciAgentService, type SigSciAgentServiceProps, type SigSciIstioAffinityOptions } from './service';
