// The public API of the prometheus folder (IstioPrometheusScrape, issue 5): named one by one, so
// that nothing internal leaks through `export *` in src/index.ts.
export { IstioPrometheusScrape, IstioScrapeMode } from './istio-prometheus-scrape';
export type { IstioPrometheusScrapeProps, IstioScrapeTargetOptions } from './istio-prometheus-scrape';
export { PrometheusScrapeAnnotations } from './scrape-annotations';
export type { ScrapeAnnotationOptions } from './scrape-annotations';
export { KubernetesSdRole, RelabelAction, ScrapeJob, ScrapeProtocol, ScrapeTargets } from './scrape-job';
export type { KubernetesTargetsOptions, RelabelRule, ScrapeJobOptions } from './scrape-job';
export { PrometheusStorage } from './storage';
export type { EmptyDirStorageOptions, PersistentVolumeClaimStorageOptions } from './storage';
export { IstioPodMonitor } from './istio-pod-monitor';
export type { IstioPodMonitorProps } from './istio-pod-monitor';
