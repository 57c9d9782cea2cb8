/**
 * Host-name matching as Istio Gateways, VirtualServices and X.509 certificates use it. Pure
 * functions over strings; they never throw.
 */

/** Lower-cases a host and drops a trailing dot. @internal */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * Whether a certificate name (`dnsNames` entry) covers `host`: equal, or a `*.` wildcard that
 * stands for exactly one leftmost label (RFC 6125), so `*.example.com` covers `a.example.com` but
 * neither `example.com` nor `a.b.example.com`.
 * @internal
 */
export function certificateCovers(dnsName: string, host: string): boolean {
  const name = normalizeHost(dnsName);
  const h = normalizeHost(host);
  if (name === h) return true;
  if (!name.startsWith('*.')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && !h.startsWith('*') && h.slice(dot + 1) === name.slice(2);
}

/**
 * Whether two Istio host patterns select a common host. Istio hosts are exact names, `*` (any host)
 * or a leading `*` wildcard that matches any prefix (`*.example.com` matches `a.b.example.com`,
 * `*example.com` matches `myexample.com`).
 * @internal
 */
export function istioHostsIntersect(a: string, b: string): boolean {
  const x = normalizeHost(a);
  const y = normalizeHost(b);
  if (x === '*' || y === '*' || x === y) return true;
  const xw = x.startsWith('*');
  const yw = y.startsWith('*');
  if (xw && yw) {
    const xs = x.slice(1);
    const ys = y.slice(1);
    return xs.endsWith(ys) || ys.endsWith(xs);
  }
  if (xw) return y.endsWith(x.slice(1));
  if (yw) return x.endsWith(y.slice(1));
  return false;
}

/**
 * Whether Istio host pattern `pattern` covers every host `host` stands for: equal, `*`, or a
 * leading-`*` pattern whose suffix ends `host` (a wildcard `host` only within a wider wildcard).
 * @internal
 */
export function istioHostCovers(pattern: string, host: string): boolean {
  const p = normalizeHost(pattern);
  const h = normalizeHost(host);
  if (p === '*' || p === h) return true;
  if (!p.startsWith('*')) return false;
  return (h.startsWith('*') ? h.slice(1) : h).endsWith(p.slice(1));
}

/**
 * Splits a Gateway server host (`[namespace/]host`, namespace `*` or `.` allowed) into its parts.
 * @internal
 */
export function splitGatewayHost(entry: string): { namespace: string; host: string } {
  const slash = entry.indexOf('/');
  return slash < 0 ? { namespace: '*', host: entry } : { namespace: entry.slice(0, slash), host: entry.slice(slash + 1) };
}

/**
 * The host of an AuthorizationPolicy `hosts` entry without a `:port` or `:*` suffix.
 * @internal
 */
export function stripHostPort(entry: string): string {
  return entry.replace(/:(\d+|\*)$/, '');
}

/**
 * Whether a ServiceEntry in `entryNamespace` with `exportTo` is visible to workloads in
 * `fromNamespace`: no exportTo (the mesh default, "*"), "*", "." for its own namespace, or the
 * namespace named; "~" hides it everywhere.
 * @internal
 */
export function exportedTo(exportTo: unknown, entryNamespace: string, fromNamespace: string): boolean {
  if (!Array.isArray(exportTo) || exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || e === fromNamespace || (e === '.' && entryNamespace === fromNamespace));
}
