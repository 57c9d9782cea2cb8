import { Chart, ChartProps, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { EnvoySidecar, SigSciAgent, SigSciAgentService, SigSciCredentials } from '../src';

/**
 * Fastly's example helloworld app, listening on localhost:8080 only: clients reach it through
 * Envoy or the agent, never directly.
 */
function helloworld(scope: Construct, namespace: string): kplus.Deployment {
  return new kplus.Deployment(scope, 'helloworld', {
    metadata: { name: 'helloworld', namespace },
    containers: [{
      name: 'helloworld',
      image: 'signalsciences/example-helloworld:latest',
      imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
      args: ['localhost:8080'],
      ports: [{ number: 8080, name: 'http' }],
      securityContext: { user: 65534, group: 65534 },
      resources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(200) },
        memory: { request: Size.mebibytes(32), limit: Size.mebibytes(64) },
      },
    }],
  });
}

/**
 * The agent keys. Create the Secret out of band, never in a manifest:
 * `kubectl create secret generic sigsci.my-site-name-here --from-literal=accesskeyid=... --from-literal=secretaccesskey=...`
 */
function agentKeys(scope: Construct): SigSciCredentials {
  return SigSciCredentials.fromSecret(kplus.Secret.fromSecretName(scope, 'agent-keys', 'sigsci.my-site-name-here'));
}

/**
 * Seed 000's "Kubernetes Envoy" scenario: an Envoy front proxy on port 8000 in front of the
 * helloworld app, and the agent in Envoy gRPC mode beside them (ext_authz plus the gRPC access
 * log on 127.0.0.1:9999, reachable only from inside the pod), all in one pod.
 */
export class SigSciEnvoyChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const namespace = 'sigsci-envoy';
    new kplus.Namespace(this, 'namespace', { metadata: { name: namespace } });
    const app = helloworld(this, namespace);
    const envoy = new EnvoySidecar(this, 'envoy', { workload: app, inbound: { port: 8000, targetPort: 8080, holdApp: true } });
    new SigSciAgent(this, 'sigsci', { workload: app, envoy, credentials: agentKeys(this) });
    envoy.exposeViaService({ name: 'helloworld' });
  }
}

/**
 * Fastly's "Kubernetes reverse proxy" scenario: the agent listens on port 8000 in front of the
 * helloworld app and forwards what it lets through to localhost:8080. The Service targets the
 * agent.
 */
export class SigSciReverseProxyChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const namespace = 'sigsci-revproxy';
    new kplus.Namespace(this, 'namespace', { metadata: { name: namespace } });
    const app = helloworld(this, namespace);
    const agent = new SigSciAgent(this, 'sigsci', {
      workload: app,
      credentials: agentKeys(this),
      reverseProxy: { port: 8000, appPort: 8080 },
    });
    agent.exposeViaService({ name: 'helloworld' });
  }
}

/**
 * Seed 000's other variant: the agent "as a service", scaled separately. Two agent replicas
 * behind a Service with ClientIP session affinity; the helloworld pod's Envoy sends its checks
 * and access log there, always to the same agent. (In an Istio mesh, add `istioAffinity: {}`.)
 */
export class SigSciServiceChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const namespace = 'sigsci-service';
    new kplus.Namespace(this, 'namespace', { metadata: { name: namespace } });
    const app = helloworld(this, namespace);
    // holdApp: the app keeps serving while Envoy drains (Kubernetes 1.30+)
    const envoy = new EnvoySidecar(this, 'envoy', { workload: app, inbound: { port: 8000, targetPort: 8080, holdApp: true } });
    new SigSciAgentService(this, 'sigsci', { namespace, replicas: 2, credentials: agentKeys(this), envoys: [envoy] });
    envoy.exposeViaService({ name: 'helloworld' });
  }
}
