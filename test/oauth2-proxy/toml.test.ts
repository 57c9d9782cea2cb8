import { Duration } from 'cdk8s';
import { goDuration, protoDuration, toToml } from '../../src/oauth2-proxy/toml';

describe('the oauth2-proxy config file', () => {
  test('is flat TOML with sorted keys, quoted strings and string arrays', () => {
    expect(toToml({ upstreams: ['static://200'], cookie_secure: true, provider: 'oidc', flush: 1 })).toBe(
      'cookie_secure = true\nflush = 1\nprovider = "oidc"\nupstreams = ["static://200"]\n');
  });

  test('escapes quotes, backslashes and control characters in strings', () => {
    expect(toToml({ banner: 'a "b" \\ c\n\u007f' })).toBe('banner = "a \\"b\\" \\\\ c\\n\\u007F"\n');
  });

  test('refuses keys that are not bare TOML keys', () => {
    expect(() => toToml({ 'a b': 'x' })).toThrow('oauth2-proxy config key "a b" is not a bare TOML key');
  });

  test('writes Go durations in the largest whole unit and protobuf durations in seconds', () => {
    expect([Duration.hours(168), Duration.minutes(90), Duration.seconds(45), Duration.millis(1500)].map(goDuration)).toEqual(['168h', '90m', '45s', '1500ms']);
    expect([Duration.seconds(5), Duration.millis(1500)].map(protoDuration)).toEqual(['5s', '1.5s']);
  });
});
