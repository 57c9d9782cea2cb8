import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Claims `key` in the chart of `scope`, for things a cluster allows once per namespace (a marin3r
 * node id, a DiscoveryService). Charts are checked apart: an app may hold a chart per cluster,
 * each with the same namespaces.
 * @returns the path of the construct that claimed `key` first, or undefined after claiming it for `scope`
 * @internal
 */
export function claimInChart(registry: WeakMap<IConstruct, Map<string, string>>, scope: IConstruct, key: string): string | undefined {
  const chart = Chart.of(scope);
  const claims = registry.get(chart) ?? new Map<string, string>();
  registry.set(chart, claims);
  const taken = claims.get(key);
  if (taken === undefined) claims.set(key, scope.node.path);
  return taken;
}
