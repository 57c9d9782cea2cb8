import { IConstruct } from 'constructs';

/**
 * The one shape every synth-time error of this library has:
 * `<construct path>: <prop>: <what was received>; <what to do>`.
 *
 * @internal
 */
export function propError(scope: IConstruct, prop: string, received: string, fix: string): Error {
  return new Error(`${scope.node.path}: ${prop}: ${received}; ${fix}`);
}

/** Renders a value for an error message: strings quoted, everything else as JSON. @internal */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
