import { IConstruct } from 'constructs';
import { propError, show } from '../validation/errors';

/** A parsed `major.minor[.patch]` version. @internal */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch?: number;
  /** As given, without a leading `v`. */
  readonly text: string;
}

/** Orders two versions by major, then minor (patch is ignored). @internal */
export function atLeast(v: Version, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/**
 * The Prometheus release the library pins by default: the current long-term-support line
 * (3.13, LTS since July 2026), at its latest patch release when this was written.
 * @internal
 */
export const DEFAULT_PROMETHEUS_VERSION = '3.13.3';

const PROMETHEUS_VERSION = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;

/**
 * Parses and range-checks a Prometheus version (the image tag is `v<version>`).
 *
 * Supported: 2.19 (the first release whose scrape client spoke HTTP/2 over TLS) up to 3.x.
 * @internal
 */
export function parsePrometheusVersion(scope: IConstruct, prop: string, value: string): Version {
  const m = typeof value === 'string' ? PROMETHEUS_VERSION.exec(value.trim()) : null;
  if (!m) {
    throw propError(scope, prop, `${show(value)} is not a Prometheus release version`,
      `give the full release number of a prom/prometheus image tag, e.g. "${DEFAULT_PROMETHEUS_VERSION}"`);
  }
  const v: Version = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text: value.trim().replace(/^v/, '') };
  if (!atLeast(v, 2, 19) || v.major > 3) {
    throw propError(scope, prop, `Prometheus ${v.text} is not supported (this library knows the configuration and HTTP/2 behaviour of 2.19 to 3.x)`,
      `use Prometheus ${DEFAULT_PROMETHEUS_VERSION} (the default) or another release from 2.35 on`);
  }
  return v;
}

/** How a Prometheus version is made to speak HTTP/2 to Istio sidecars. @internal */
export enum Http2Fix {
  /** HTTP/2 is on by default (2.19–2.20, 2.31–2.34): nothing to set. */
  NONE = 'none',
  /** 2.29–2.30: the process-wide environment variable PROMETHEUS_COMMON_ENABLE_HTTP2. */
  ENVIRONMENT = 'environment',
  /** 2.35 and later: `enable_http2: true` in the scrape job (stated explicitly, whatever the default). */
  SCRAPE_CONFIG = 'scrape-config',
}

/** The environment variable that re-enables HTTP/2 in Prometheus 2.29 and 2.30. @internal */
export const ENABLE_HTTP2_ENV = 'PROMETHEUS_COMMON_ENABLE_HTTP2';

/**
 * What a Prometheus version needs to scrape Istio mTLS endpoints. The sidecar resets scrapes
 * from a client with HTTP/2 turned off (seed 001): Prometheus 2.21.0 disabled HTTP/2, 2.29 added
 * an environment variable to re-enable it, 2.31 turned it back on by default and 2.35 made it a
 * per-job setting (`enable_http2`).
 *
 * @param prop the prop that chose the version (named in the error)
 * @param environmentSettable whether the caller can set the environment variable 2.29-2.30 need
 * @internal
 */
export function http2Fix(scope: IConstruct, prop: string, v: Version, environmentSettable = true): Http2Fix {
  if (atLeast(v, 2, 35)) return Http2Fix.SCRAPE_CONFIG;
  if (atLeast(v, 2, 31)) return Http2Fix.NONE;
  if (atLeast(v, 2, 29)) return Http2Fix.ENVIRONMENT;
  if (atLeast(v, 2, 21)) {
    throw propError(scope, prop, `Prometheus ${v.text} cannot scrape Istio mTLS endpoints: releases 2.21 to 2.28 have HTTP/2 disabled and the Istio sidecar resets their connections`,
      `use Prometheus ${DEFAULT_PROMETHEUS_VERSION} (the default) or any release from 2.35 on (${environmentSettable ? `2.29-2.30 work with ${ENABLE_HTTP2_ENV}, ` : ''}2.31-2.34 by default)`);
  }
  return Http2Fix.NONE;
}
