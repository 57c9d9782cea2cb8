import { IConstruct } from 'constructs';
import { EnvoyConfigValidator, EnvoyValidationOptions, EnvoyValidationResult } from './envoy-config-validator';
import { propError } from '../errors';

/**
 * Validates an Envoy config that a construct produced and throws
 * `<construct path>: <prop>: Envoy would reject this <type> (...): <every error>; <fix>`
 * when it has errors. Returns the result, so the caller can surface warnings.
 *
 * @param typeName the config's message type (a constant of EnvoyConfigValidator)
 * @param options e.g. `{ partial: true }` for an EnvoyFilter MERGE patch
 * @internal
 */
export function assertValidEnvoyConfig(scope: IConstruct, prop: string, config: unknown, typeName: string,
  options: EnvoyValidationOptions = {}): EnvoyValidationResult {
  const result = EnvoyConfigValidator.validate(config, typeName, options);
  if (!result.valid) {
    const n = result.errors.length;
    const list = result.errors.map((e) => `\n  ${e.path || '(root)'}: ${e.message}`).join('');
    throw propError(scope, prop,
      `Envoy would reject this ${typeName} (${n} ${n === 1 ? 'error' : 'errors'}, checked against Envoy's v3 API):${list}`,
      n === 1 ? 'fix the field above' : 'fix the fields above');
  }
  return result;
}
