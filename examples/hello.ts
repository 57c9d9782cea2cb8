import { Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { ConfigHash } from '../src';

/**
 * The smallest scenario: a namespace and the kuard demo app (the seeds' sample workload), with a
 * ConfigMap whose content hash rolls the pods when it changes. Later scenarios attach sidecars to
 * workloads like this one.
 */
export class HelloChart extends Chart {
  public readonly app: kplus.Deployment;
  public readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const namespace = 'meshkit-hello';

    // A Namespace is cluster-scoped, so the chart has no default namespace: each namespaced
    // object names its own.
    new kplus.Namespace(this, 'namespace', { metadata: { name: namespace } });

    const settings = new kplus.ConfigMap(this, 'settings', {
      metadata: { name: 'kuard-settings', namespace },
      data: { 'greeting.txt': 'hello from cdk8s-meshkit\n' },
    });

    this.app = new kplus.Deployment(this, 'kuard', {
      metadata: { name: 'kuard', namespace },
      replicas: 2,
      containers: [{
        name: 'kuard',
        image: 'gcr.io/kuar-demo/kuard-amd64:v0.10.0-blue',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        portNumber: 8080,
        // the image's USER is "nobody", which the kubelet can't verify as non-root unless numeric
        securityContext: { user: 65534, group: 65534 },
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(200) },
          memory: { request: Size.mebibytes(32), limit: Size.mebibytes(64) },
        },
        readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
        liveness: kplus.Probe.fromHttpGet('/healthy', { port: 8080 }),
        volumeMounts: [{ path: '/etc/hello', volume: kplus.Volume.fromConfigMap(this, 'settings-volume', settings) }],
      }],
    });
    ConfigHash.addConfigMap(this.app, settings);

    this.service = new kplus.Service(this, 'service', {
      metadata: { name: 'kuard', namespace },
      selector: this.app,
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    });
  }
}
