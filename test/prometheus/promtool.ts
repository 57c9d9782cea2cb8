/**
 * Checks a generated prometheus.yml with the real Prometheus parser: `promtool check config` from
 * Debian's `prometheus` package (2.42), which scripts/ensure-debs.sh installs before the tests.
 *
 * That promtool is built without Kubernetes service discovery and rejects `kubernetes_sd_configs`
 * as an unknown field. So it checks a copy in which each such block is replaced by an empty
 * `static_configs` (everything else - relabel rules and their RE2 regexes, tls_config,
 * enable_http2, durations, duplicate job names - still goes through the real parser), and the
 * Kubernetes SD blocks are checked here against the fields Prometheus defines for them.
 *
 * The certificate files a tls_config names only exist in the pod, so the copy points them at empty
 * placeholder files: promtool then runs its full check (including that cert_file and key_file come
 * as a pair and exist), not only `--syntax-only`.
 *
 * `fallback_scrape_protocol` came with Prometheus 3.0, after that promtool: the copy leaves it out,
 * and its value is checked here against the protocols Prometheus 3 defines.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';

const INSTALL_HINT = 'promtool is missing: run scripts/ensure-debs.sh (or `apt-get install prometheus`, which provides promtool)';

/** The promtool binary; fails (never skips) when it is missing. */
export function promtool(): string {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  const bin = found.stdout.trim();
  if (found.status !== 0 || bin === '') throw new Error(INSTALL_HINT);
  return bin;
}

const SD_ROLES = ['pod', 'service', 'endpoints', 'endpointslice', 'node', 'ingress'];
// The fields of kubernetes_sd_config (Prometheus configuration reference), HTTP client fields included.
const SD_FIELDS = new Set(['role', 'namespaces', 'selectors', 'api_server', 'kubeconfig_file', 'attach_metadata',
  'basic_auth', 'authorization', 'oauth2', 'follow_redirects', 'enable_http2', 'tls_config', 'proxy_url', 'no_proxy',
  'proxy_from_environment', 'proxy_connect_header', 'http_headers']);
const SD_NAMESPACE_FIELDS = new Set(['names', 'own_namespace']);

// The scrape protocols of Prometheus 3 (configuration reference, `fallback_scrape_protocol`).
const SCRAPE_PROTOCOLS = new Set(['PrometheusProto', 'OpenMetricsText0.0.1', 'OpenMetricsText1.0.0', 'PrometheusText0.0.4', 'PrometheusText1.0.0']);

/** Problems in the kubernetes_sd_configs blocks and fallback_scrape_protocol fields promtool can't check. */
export function kubernetesSdProblems(config: any): string[] {
  const problems: string[] = [];
  for (const job of config.scrape_configs ?? []) {
    const fallback = job.fallback_scrape_protocol;
    if (fallback !== undefined && !SCRAPE_PROTOCOLS.has(fallback)) {
      problems.push(`job ${job.job_name}: fallback_scrape_protocol ${JSON.stringify(fallback)} is not one of ${[...SCRAPE_PROTOCOLS].join(', ')}`);
    }
  }
  for (const job of config.scrape_configs ?? []) {
    for (const [i, sd] of (job.kubernetes_sd_configs ?? []).entries()) {
      const where = `job ${job.job_name} kubernetes_sd_configs[${i}]`;
      for (const key of Object.keys(sd)) if (!SD_FIELDS.has(key)) problems.push(`${where}: unknown field ${key}`);
      if (!SD_ROLES.includes(sd.role)) problems.push(`${where}: role ${JSON.stringify(sd.role)} is not one of ${SD_ROLES.join(', ')}`);
      if (sd.namespaces !== undefined) {
        for (const key of Object.keys(sd.namespaces)) if (!SD_NAMESPACE_FIELDS.has(key)) problems.push(`${where}.namespaces: unknown field ${key}`);
        const names = sd.namespaces.names ?? [];
        if (!Array.isArray(names) || names.some((n: unknown) => typeof n !== 'string')) problems.push(`${where}.namespaces.names must be a list of strings`);
      }
    }
  }
  return problems;
}

/** A copy of the config with every kubernetes_sd_configs block replaced by an empty static_configs, and without fallback_scrape_protocol. */
export function withoutKubernetesSd(config: any): any {
  const copy = JSON.parse(JSON.stringify(config));
  for (const job of copy.scrape_configs ?? []) {
    delete job.fallback_scrape_protocol;
    if (job.kubernetes_sd_configs) {
      delete job.kubernetes_sd_configs;
      job.static_configs = [...(job.static_configs ?? []), { targets: [] }];
    }
  }
  return copy;
}

const TLS_FILE_FIELDS = ['ca_file', 'cert_file', 'key_file'];

/** Points every tls_config file of `config` (modified in place) at an empty placeholder in `dir`. */
function placeholderTlsFiles(config: any, dir: string): void {
  for (const job of config.scrape_configs ?? []) {
    const tls = job.tls_config ?? {};
    for (const field of TLS_FILE_FIELDS) {
      if (typeof tls[field] !== 'string') continue;
      const placeholder = path.join(dir, `${job.job_name}-${field}`.replace(/[^A-Za-z0-9_.-]/g, '_'));
      fs.writeFileSync(placeholder, '');
      tls[field] = placeholder;
    }
  }
}

export interface PromtoolResult {
  readonly ok: boolean;
  /** promtool's output, and the SD problems found here. */
  readonly output: string;
}

/** Checks prometheus.yml text: the SD blocks here, the rest with promtool. */
export function checkPrometheusConfig(text: string): PromtoolResult {
  const config = YAML.parse(text);
  const sdProblems = kubernetesSdProblems(config);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  try {
    const copy = withoutKubernetesSd(config);
    placeholderTlsFiles(copy, dir);
    const file = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(file, YAML.stringify(copy));
    const run = spawnSync(promtool(), ['check', 'config', file], { encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}${sdProblems.map((p) => `\n  FAILED (kubernetes_sd): ${p}`).join('')}`.trim();
    return { ok: run.status === 0 && sdProblems.length === 0, output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
