/**
 * An invalid value given to the Envoy config model. The message reads
 * `<prop>: <what was received>; <what to do>`; constructs prefix it with their path.
 * @internal
 */
export class EnvoyModelError extends Error {
  constructor(public readonly prop: string, received: string, fix: string) {
    super(`${prop}: ${received}; ${fix}`);
    this.name = 'EnvoyModelError';
  }
}

/** Renders a value for an error message. @internal */
export function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
}
