import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { checkHttpPath } from './scrape-job';
import { propError, show } from '../validation/errors';
import { PodPorts, checkPort } from '../validation/ports';

/** Options for `PrometheusScrapeAnnotations.addTo`. */
export interface ScrapeAnnotationOptions {
  /** The port the metrics are served on; a container of the workload must declare it. */
  readonly port: number;
  /**
   * The HTTP path of the metrics.
   * @default "/metrics"
   */
  readonly path?: string;
}

/** What a workload was marked with, to catch a second, different mark. */
interface Mark {
  readonly port: number;
  readonly path: string;
  /** Who asked for it, when that was a construct rather than the user's own `addTo` call. */
  readonly by?: string;
  /** How to stop that construct from marking the workload. */
  readonly optOut?: string;
}

/** How a construct marks a workload on the user's behalf. @internal */
export interface MarkOwner {
  /** Path of the construct, for error messages. */
  readonly by: string;
  /** How the user stops it, e.g. `give EnvoySidecar scrape: false`. */
  readonly optOut: string;
  /**
   * The port is served by a container the cluster adds (marin3r's injected Envoy), so no
   * container of the workload declares it.
   * @default false
   */
  readonly injected?: boolean;
}

const MARKS = new WeakMap<kplus.AbstractPod, Mark>();

/**
 * Marks a workload for scraping with the `prometheus.io/*` pod annotations that Kubernetes
 * service discovery jobs (including the ones `IstioPrometheusScrape` generates) read.
 *
 * The annotations go on the pod template, where Prometheus sees them. They hold one port and one
 * path, so a workload can be marked once; marking it again with the same port and path is a no-op
 * (so two constructs can both ask for it), with a different one an error.
 *
 * Under Istio, prefer `IstioPrometheusScrape.addScrapeTarget`, which also sets the per-pod
 * metrics-merging annotation its mode needs.
 */
export class PrometheusScrapeAnnotations {
  /** `prometheus.io/scrape`: "true" marks the pod for scraping. */
  public static readonly SCRAPE = 'prometheus.io/scrape';
  /** `prometheus.io/port`: the port scraped. */
  public static readonly PORT = 'prometheus.io/port';
  /** `prometheus.io/path`: the HTTP path scraped. */
  public static readonly PATH = 'prometheus.io/path';

  /**
   * Annotates `workload`'s pod template for scraping on `options.port` and `options.path`.
   * Fails when no container of the workload declares the port, or when the workload was already
   * marked with another port or path. A query in the path works only where Istio merges the pod's
   * metrics (its pilot-agent fetches the path as given): Prometheus's own annotation jobs put the
   * annotation into the URL's path, where "?" is escaped.
   */
  public static addTo(workload: kplus.AbstractPod, options: ScrapeAnnotationOptions): void {
    markForScraping(workload, '', workload, options);
  }

  private constructor() {}
}

/**
 * `PrometheusScrapeAnnotations.addTo` on behalf of a construct: errors name `scope` and
 * `<prefix>port` / `<prefix>path` (e.g. `test/prometheus: addScrapeTarget.port: ...`), the
 * construct and method the user called, rather than the workload.
 * @param queryFix where Prometheus fetches the path itself (no metrics merging by Istio's
 * pilot-agent, which keeps a query as given), the fix of the error for a path with a query
 * @internal
 */
export function markForScraping(
  scope: IConstruct, prefix: string, workload: kplus.AbstractPod, options: ScrapeAnnotationOptions, owner?: MarkOwner, queryFix?: string,
): void {
  if (owner?.injected) checkPort(scope, `${prefix}port`, options.port);
  else PodPorts.of(workload).requireServed(scope, `${prefix}port`, options.port);
  const path = checkHttpPath(scope, `${prefix}path`, options.path ?? '/metrics', queryFix);
  const previous = MARKS.get(workload);
  if (previous) {
    if (previous.port !== options.port || previous.path !== path) {
      const subject = scope === workload ? 'the workload' : `workload ${show(workload.node.id)}`;
      const marker = previous.by ? ` by ${previous.by}` : owner ? ' by an earlier call' : '';
      const optOut = owner?.optOut ?? previous.optOut;
      throw propError(scope, `${prefix}port`, `${options.port} ${path} was asked for, but ${subject} is already marked for scraping on ${previous.port} ${previous.path}${marker}`,
        'the prometheus.io annotations hold one port and path per pod: serve all metrics on one endpoint, or add a scrape job for the second one'
        + (optOut ? `; to keep the annotations for the other endpoint, ${optOut}` : ''));
    }
    return;
  }
  MARKS.set(workload, { port: options.port, path, by: owner?.by, optOut: owner?.optOut });
  workload.podMetadata.addAnnotation(PrometheusScrapeAnnotations.SCRAPE, 'true');
  workload.podMetadata.addAnnotation(PrometheusScrapeAnnotations.PORT, String(options.port));
  workload.podMetadata.addAnnotation(PrometheusScrapeAnnotations.PATH, path);
}
