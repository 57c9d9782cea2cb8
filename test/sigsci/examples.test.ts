import { Testing } from 'cdk8s';
import { SigSciEnvoyChart, SigSciReverseProxyChart, SigSciServiceChart } from '../../examples/sigsci';
import { EnvoyConfigValidator } from '../../src';
import { expectSchemaValid, findOne, synthChart } from '../harness';

describe('the SigSci example charts', () => {
  test('seed 000 Kubernetes Envoy: helloworld, Envoy and the agent in Envoy gRPC mode in one pod', () => {
    const objects = synthChart(new SigSciEnvoyChart(Testing.app(), 'sigsci-envoy'));
    const pod = findOne(objects, 'Deployment', 'helloworld').spec.template.spec;
    expect(pod.containers.map((c: any) => c.name)).toEqual(['helloworld', 'envoy', 'sigsci-agent']);
    // helloworld keeps serving while Envoy drains (inbound.holdApp), and the agent outlasts both
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 16 } } });
    expect(pod.containers[2].lifecycle.preStop.exec.command).toEqual(['sleep', '20']);
    expect(pod.containers[2].startupProbe.httpGet.path).toBe('/startup');
    const agent = pod.containers[2];
    expect(agent.env.find((e: any) => e.name === 'SIGSCI_ENVOY_GRPC_ADDRESS').value).toBe('127.0.0.1:9999');
    expect(agent.readinessProbe).toBeUndefined();
    expect(findOne(objects, 'Service', 'helloworld').spec.ports).toEqual([{ name: 'envoy-http', port: 80, targetPort: 8000 }]);
    const bootstrap = JSON.parse(findOne(objects, 'ConfigMap', 'helloworld-envoy').data['envoy.json']);
    expect(EnvoyConfigValidator.validate(bootstrap, EnvoyConfigValidator.BOOTSTRAP).errors).toEqual([]);
    expectSchemaValid(objects);
  });

  test('reverse proxy: the Service reaches the agent, which forwards to localhost:8080', () => {
    const objects = synthChart(new SigSciReverseProxyChart(Testing.app(), 'sigsci-revproxy'));
    const agent = findOne(objects, 'Deployment', 'helloworld').spec.template.spec.containers[1];
    expect(agent.env.find((e: any) => e.name === 'SIGSCI_REVPROXY_LISTENER').value)
      .toBe('app:{listener=http://0.0.0.0:8000,upstreams=http://127.0.0.1:8080/,pass-host-header=true}');
    expect(findOne(objects, 'Service', 'helloworld').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8000 }]);
    // every container port of the pod has its own name
    const names = findOne(objects, 'Deployment', 'helloworld').spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
    expect(new Set(names).size).toBe(names.length);
  });

  test('service mode: agents in their own Deployment, Envoy pointing at their Service', () => {
    const objects = synthChart(new SigSciServiceChart(Testing.app(), 'sigsci-service'));
    expect(findOne(objects, 'Deployment', 'sigsci-agent').spec.replicas).toBe(2);
    expect(findOne(objects, 'Service', 'sigsci-agent').spec.sessionAffinity).toBe('ClientIP');
    const bootstrap = JSON.parse(findOne(objects, 'ConfigMap', 'helloworld-envoy').data['envoy.json']);
    const cluster = bootstrap.static_resources.clusters.find((c: any) => c.name === 'sigsci-agent-grpc');
    expect(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address)
      .toEqual({ address: 'sigsci-agent.sigsci-service.svc.cluster.local', port_value: 9999 });
    // the app, which exits on SIGTERM, keeps serving while Envoy drains
    const app = findOne(objects, 'Deployment', 'helloworld').spec.template.spec.containers.find((c: any) => c.name === 'helloworld');
    expect(app.lifecycle).toEqual({ preStop: { sleep: { seconds: 16 } } });
  });
});
