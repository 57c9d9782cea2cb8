export { KayentaStandalone, KayentaLogLevel } from './kayenta';
export type { KayentaStandaloneProps } from './kayenta';
export type { KayentaIngressOptions, KayentaOAuth2ProxyOptions } from './ingress';
export { KayentaRedis } from './redis';
export type { KayentaRedisConnectionOptions, KayentaRedisOptions } from './redis';
export { KayentaStoreType, KayentaMetricsStore, KayentaPrometheusAuth, KayentaStorage } from './stores';
export type {
  KayentaPrometheusOptions,
  KayentaDatadogOptions,
  KayentaStorageCommonOptions,
  KayentaAzureStorageOptions,
  KayentaS3StorageOptions,
  KayentaGcsStorageOptions,
} from './stores';
export {
  CanaryConfig,
  CanaryMetric,
  CanaryMetricQuery,
  CanaryDirection,
  CanaryNanStrategy,
  CanaryOutlierStrategy,
  KayentaCanaryConfigs,
} from './canary-config';
export type {
  CanaryConfigProps,
  CanaryMetricOptions,
  CanaryPrometheusQueryOptions,
  CanaryOutliers,
  CanaryEffectSize,
  CanaryScoreThresholds,
  KayentaCanaryConfigsProps,
} from './canary-config';
