import { Duration } from 'cdk8s';

/** A value of oauth2-proxy's flat TOML config file. @internal */
export type TomlValue = string | number | boolean | string[];

/**
 * Serializes a flat key/value object as TOML, keys sorted, one `key = value` per line. oauth2-proxy's
 * config file is flat (every key is a flag name with "_" for "-"), so tables are never needed.
 * @internal
 */
export function toToml(config: Record<string, TomlValue>): string {
  return Object.keys(config).sort().map((key) => {
    if (!/^[A-Za-z0-9_-]+$/.test(key)) throw new Error(`oauth2-proxy config key ${JSON.stringify(key)} is not a bare TOML key`);
    return `${key} = ${tomlValue(config[key])}\n`;
  }).join('');
}

function tomlValue(value: TomlValue): string {
  if (Array.isArray(value)) return `[${value.map(tomlString).join(', ')}]`;
  if (typeof value === 'string') return tomlString(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw new Error(`unsupported TOML value ${JSON.stringify(value)}`);
}

/** A TOML basic string: JSON's escapes are TOML's, plus DEL, which TOML also wants escaped. */
function tomlString(value: string): string {
  return JSON.stringify(value).replace(/\u007f/g, '\\u007F');
}

/**
 * A Go duration string (`time.ParseDuration`) in the largest whole unit: "1h", "90m", "1500ms".
 * @internal
 */
export function goDuration(d: Duration): string {
  const ms = d.toMilliseconds();
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * A protobuf JSON Duration ("1.5s"), as Envoy and the Istio mesh config read durations.
 * @internal
 */
export function protoDuration(d: Duration): string {
  const ms = d.toMilliseconds();
  return `${ms / 1000}s`;
}
