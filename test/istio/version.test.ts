import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { DEFAULT_ISTIO_VERSION, IstioRelease } from '../../src/istio/version';

/** The one parser of `istioVersion` props, which every construct with an Istio release uses. */
describe('IstioRelease', () => {
  const scope = () => new Construct(Testing.chart(), 'thing');

  test('defaults to the release the CRD imports are generated from', () => {
    const release = IstioRelease.parse(scope(), 'istioVersion', undefined);
    expect([release.text, release.major, release.minor]).toEqual([DEFAULT_ISTIO_VERSION, 1, 30]);
    expect(release.networkingApiVersion).toBe('networking.istio.io/v1');
  });

  test('reads patch releases and a leading v, and names the release without the v', () => {
    const release = IstioRelease.parse(scope(), 'istioVersion', 'v1.21.6');
    expect([release.text, release.minor]).toEqual(['1.21.6', 21]);
    expect(release.networkingApiVersion).toBe('networking.istio.io/v1beta1');
    expect(release.securityApiVersion).toBe('security.istio.io/v1beta1');
  });

  test.each([
    ['1.30.x', 'test/thing: istio.istioVersion: "1.30.x" is not an Istio version; give a release such as "1.30" or "1.30.3"'],
    ['1.5.10', 'test/thing: istio.istioVersion: Istio 1.5.10 is older than 1.6, the oldest release this library emits objects for; upgrade Istio or pin an older version of this library'],
    ['2.1', 'test/thing: istio.istioVersion: Istio 2.1 is not supported: this library knows the objects of Istio 1.6 to 1.x; give the Istio 1.x release of the mesh, e.g. "1.30"'],
  ])('fails on %s with the message every construct shares', (version, message) => {
    expect(() => IstioRelease.parse(scope(), 'istio.istioVersion', version)).toThrow(message);
  });

  test('checks a construct\'s own minimum, naming the prop the release came from', () => {
    const s = scope();
    const release = IstioRelease.parse(s, 'ingress.istioVersion', '1.8.6');
    expect(() => release.requireAtLeast(s, 'mode', 1, 9, 'AUTHORIZATION_POLICY', 'action CUSTOM', 'use ENVOY_FILTER')).toThrow(
      'test/thing: mode: AUTHORIZATION_POLICY needs Istio 1.9 or newer (action CUSTOM), but ingress.istioVersion is "1.8.6"; use ENVOY_FILTER');
    expect(() => release.requireAtLeast(s, 'mode', 1, 8, 'AUTHORIZATION_POLICY', 'action CUSTOM', 'use ENVOY_FILTER')).not.toThrow();
  });
});
