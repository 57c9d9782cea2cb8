import { Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import {
  CanaryConfig, CanaryDirection, CanaryMetricQuery, CanaryNanStrategy, KayentaMetricsStore, KayentaStandalone, KayentaStorage,
} from '../src';

/**
 * Seed 001, part 2: Kayenta on its own, keeping its data in an Azure Storage account and reading
 * metrics from Prometheus, behind a LoadBalancer Service; plus the seed's canary config, shipped
 * as a ConfigMap next to Kayenta for the pipeline to send with its analysis requests.
 */
export class KayentaChart extends Chart {
  public readonly kayenta: KayentaStandalone;
  public readonly canaryConfig: CanaryConfig;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    // Created out of band, as in the seed: kubectl create secret generic azure-storage -n kayenta --from-literal=storage-key=...
    const azureStorage = kplus.Secret.fromSecretName(this, 'azure-storage', 'azure-storage');

    this.kayenta = new KayentaStandalone(this, 'kayenta', {
      metricsStores: [KayentaMetricsStore.prometheus({ accountName: 'canary-prometheus', baseUrl: 'http://prometheus.monitoring.svc:9090' })],
      storage: [KayentaStorage.azure({
        accountName: 'canary-storage',
        storageAccountName: 'kayentastorage',
        container: 'kayenta',
        accessKey: { secret: azureStorage, key: 'storage-key' },
      })],
      serviceType: kplus.ServiceType.LOAD_BALANCER,
    });

    // The seed's config: 4xx and 5xx responses per controller must not increase in the canary.
    this.canaryConfig = new CanaryConfig(this, 'app-config', {
      name: 'app-config',
      description: 'App Canary Configuration',
      applications: ['app'],
      groupWeights: { StatusCodes: 100 },
      scoreThresholds: { pass: 75, marginal: 75 },
      metrics: [{
        name: 'Errors By Controller',
        query: CanaryMetricQuery.promql(
          "sum(increase(http_requests_received_total{app='my-app',azure_pipelines_version='${location}',code=~'5\\\\d\\\\d|4\\\\d\\\\d'}[120m])) by (action)"),
        groups: ['StatusCodes'],
        direction: CanaryDirection.INCREASE,
        nanStrategy: CanaryNanStrategy.REPLACE,
      }],
    });
    this.kayenta.addCanaryConfig(this.canaryConfig);
  }
}
