// Public API of the Envoy config validation; the walker and the descriptor loader stay internal.
export { EnvoyConfigValidator } from './envoy-config-validator';
export type { EnvoyFinding, EnvoyValidationOptions, EnvoyValidationResult } from './envoy-config-validator';
