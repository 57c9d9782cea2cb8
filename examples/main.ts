/**
 * The examples app: one chart per scenario of the seed documents, built only from the package's
 * public API. `npx cdk8s synth` runs this file and writes one YAML file per chart to cdk8s.out/.
 */
import { App } from 'cdk8s';
import { EnvoyPhasesChart } from './envoy-phases';
import { KuardMarin3rChart, KuardTlsChart } from './envoy-tls-offload';
import { HelloChart } from './hello';
import { IstioPrometheusChart } from './istio-prometheus';
import { KayentaBehindOAuth2ProxyChart, KayentaChart } from './kayenta';
import { OAuth2ProxyChart } from './oauth2-proxy';
import { SigSciEnvoyChart, SigSciReverseProxyChart, SigSciServiceChart } from './sigsci';
import { SpeedscaleIstioChart } from './speedscale-istio';
import { ExtAuthzMode } from '../src';

/** Adds every example chart to `app`. Tests call this to synthesize and validate all of them. */
export function buildExamples(app: App): App {
  new HelloChart(app, 'hello');
  // seed 001 part 3 in both ext_authz modes; the EnvoyFilter variant gets its own namespace and a
  // domain of its own, so that both charts can be applied to one cluster side by side: under
  // *.cluster.example.com, the first chart's wildcard certificate would cover its hosts, and a
  // browser reusing one HTTP/2 connection for both would reach the wrong Gateway server
  new OAuth2ProxyChart(app, 'oauth2-proxy');
  new OAuth2ProxyChart(app, 'oauth2-proxy-envoyfilter', {
    mode: ExtAuthzMode.ENVOY_FILTER,
    appNamespace: 'myapp-envoyfilter',
    appHost: 'myapp.envoyfilter.example.com',
    authHost: 'oauth.envoyfilter.example.com',
    cookieName: '_oauth2_proxy_myapp_envoyfilter',
  });
  new KayentaChart(app, 'kayenta');
  // seed 001 part 2's "Secure it!": Kayenta behind oauth2-proxy, on a second ingress gateway
  // (KAYENTA_INGRESS_GATEWAY) because the default one already has oauth2-proxy's CUSTOM provider
  new KayentaBehindOAuth2ProxyChart(app, 'kayenta-oauth2-proxy');
  new SpeedscaleIstioChart(app, 'speedscale-istio');
  new IstioPrometheusChart(app, 'istio-prometheus');
  new KuardTlsChart(app, 'kuard-tls');
  new KuardMarin3rChart(app, 'kuard-marin3r');
  new EnvoyPhasesChart(app, 'envoy-phases');
  new SigSciEnvoyChart(app, 'sigsci-envoy');
  new SigSciReverseProxyChart(app, 'sigsci-revproxy');
  new SigSciServiceChart(app, 'sigsci-service');
  return app;
}

if (require.main === module) {
  buildExamples(new App()).synth();
}
