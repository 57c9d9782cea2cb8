/**
 * How the Speedscale sidecar (`speedscale-goproxy`, injected by the Speedscale operator) takes
 * traffic in and out of the pod: the `sidecar.speedscale.com/proxy-type` annotation.
 *
 * Source: Speedscale docs, "Proxy Modes" and the sidecar annotation reference.
 */
export enum SpeedscaleProxyType {
  /**
   * iptables rules send all inbound and outbound traffic through the sidecar; the app needs no
   * change. Speedscale's default outside a mesh.
   */
  TRANSPARENT = 'transparent',
  /** Inbound only: the sidecar listens on the inbound proxy port and forwards to the app. */
  REVERSE = 'reverse',
  /** Outbound only: the app sends its outbound calls to the sidecar as an HTTP or SOCKS proxy. */
  FORWARD = 'forward',
  /**
   * A reverse proxy for inbound and a forward proxy for outbound traffic. What Speedscale's Istio
   * guide (seed 004) prescribes inside a mesh, where two transparent proxies would fight over
   * the pod's iptables rules.
   */
  DUAL = 'dual',
}

/**
 * The protocol clients speak to the sidecar's proxies: the
 * `sidecar.speedscale.com/proxy-protocol` annotation. Which values a proxy type accepts:
 *
 * | proxy type  | tcp | http | socks | tcp:http | tcp:socks |
 * |-------------|-----|------|-------|----------|-----------|
 * | reverse     | yes | yes  | yes   |          |           |
 * | forward     |     | yes  | yes   |          |           |
 * | dual        |     | yes  | yes   | yes      | yes       |
 * | transparent | (ignored: no protocol is set) |
 */
export enum SpeedscaleProxyProtocol {
  /** A plain TCP reverse proxy: inbound connections pass as they are. Reverse proxies only. */
  TCP = 'tcp',
  /** HTTP proxy protocol for every proxy the sidecar runs. */
  HTTP = 'http',
  /** SOCKS4/SOCKS5 for every proxy the sidecar runs. */
  SOCKS = 'socks',
  /** Dual proxies only: a TCP reverse proxy in, an HTTP forward proxy out (seed 004). */
  TCP_HTTP = 'tcp:http',
  /** Dual proxies only: a TCP reverse proxy in, a SOCKS4/SOCKS5 forward proxy out. */
  TCP_SOCKS = 'tcp:socks',
}

/** The annotation prefix that the Speedscale operator reads from workloads. @internal */
export const ANNOTATION_PREFIX = 'sidecar.speedscale.com/';

/** What each proxy type runs, accepts and defaults to. @internal */
export interface ProxyTypeTraits {
  /** Runs a reverse (inbound) proxy that forwards to proxy-host:proxy-port. */
  readonly reverse: boolean;
  /** Runs a forward (outbound) proxy that the app must be pointed at. */
  readonly forward: boolean;
  /** Listens on proxy-in-port. */
  readonly inPort: boolean;
  /** Listens on proxy-out-port and can unwrap outbound TLS (tls-out). */
  readonly outPort: boolean;
  /** Protocols the type accepts; empty when the annotation is ignored. */
  readonly protocols: readonly SpeedscaleProxyProtocol[];
  /** The protocol this library sets when none is given. */
  readonly defaultProtocol?: SpeedscaleProxyProtocol;
}

const P = SpeedscaleProxyProtocol;

/** @internal */
export const PROXY_TYPES: Record<SpeedscaleProxyType, ProxyTypeTraits> = {
  [SpeedscaleProxyType.TRANSPARENT]: {
    reverse: false, forward: false, inPort: true, outPort: true, protocols: [],
  },
  [SpeedscaleProxyType.REVERSE]: {
    reverse: true, forward: false, inPort: true, outPort: false, protocols: [P.TCP, P.HTTP, P.SOCKS], defaultProtocol: P.TCP,
  },
  [SpeedscaleProxyType.FORWARD]: {
    reverse: false, forward: true, inPort: false, outPort: true, protocols: [P.HTTP, P.SOCKS], defaultProtocol: P.HTTP,
  },
  [SpeedscaleProxyType.DUAL]: {
    reverse: true, forward: true, inPort: true, outPort: true, protocols: [P.HTTP, P.SOCKS, P.TCP_HTTP, P.TCP_SOCKS], defaultProtocol: P.TCP_HTTP,
  },
};

/** Whether the forward (outbound) half of `protocol` speaks SOCKS. @internal */
export function forwardsSocks(protocol: SpeedscaleProxyProtocol): boolean {
  return protocol === P.SOCKS || protocol === P.TCP_SOCKS;
}
