/**
 * Applies a rendered `scrape_configs` entry to Kubernetes pod-discovery targets the way Prometheus
 * does, so tests can check which job keeps which pod, and at which address, path and scheme -
 * an outcome that depends on the order of the rules, which field-by-field assertions can't see.
 *
 * It implements the actions the generated jobs use (replace, keep, drop, labelmap) with
 * Prometheus's semantics: source labels joined by ";", the regex anchored at both ends, a missing
 * label read as "", a replace whose regex doesn't match leaving the target as it is, and an empty
 * result of a replace deleting the label. Unknown actions fail the test rather than pass silently.
 * The regexes are evaluated by JavaScript; the jobs' expressions use only syntax where RE2 and
 * JavaScript agree (promtool checks them as RE2 in the other tests).
 */

export interface PodShape {
  readonly ip: string;
  readonly phase?: string;
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  /** The declared container ports; pod discovery makes one target per port. */
  readonly ports: Array<{ readonly port: number; readonly name?: string }>;
  readonly name?: string;
  readonly namespace?: string;
}

/** What a job scrapes for one target it kept. */
export interface Scrape {
  readonly job: string;
  readonly url: string;
  readonly labels: Record<string, string>;
}

/** Prometheus's label-name sanitation of annotation and label keys. */
function sanitize(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** The labels Kubernetes pod discovery gives each declared port of `pod`, as Prometheus documents them. */
export function podTargets(pod: PodShape): Array<Record<string, string>> {
  return pod.ports.map((p) => {
    const t: Record<string, string> = {
      __address__: pod.ip.includes(':') ? `[${pod.ip}]:${p.port}` : `${pod.ip}:${p.port}`,
      __meta_kubernetes_namespace: pod.namespace ?? 'default',
      __meta_kubernetes_pod_name: pod.name ?? 'pod',
      __meta_kubernetes_pod_ip: pod.ip,
      __meta_kubernetes_pod_phase: pod.phase ?? 'Running',
      __meta_kubernetes_pod_container_port_number: String(p.port),
    };
    if (p.name) t.__meta_kubernetes_pod_container_port_name = p.name;
    for (const [k, v] of Object.entries(pod.annotations ?? {})) t[`__meta_kubernetes_pod_annotation_${sanitize(k)}`] = v;
    for (const [k, v] of Object.entries(pod.labels ?? {})) t[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
    return t;
  });
}

function expand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (whole, braced, bare) => {
    if (whole === '$$') return '$';
    const ref = braced ?? bare;
    return /^\d+$/.test(ref) ? (match[Number(ref)] ?? '') : (match.groups?.[ref] ?? '');
  });
}

/** Relabels one target; undefined when a rule drops it. */
export function relabel(target: Record<string, string>, rules: any[]): Record<string, string> | undefined {
  const labels = { ...target };
  for (const rule of rules) {
    const action = rule.action ?? 'replace';
    // Prometheus compiles ^(?s:regex)$: "." matches newlines too
    const regex = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`, 's');
    const value = (rule.source_labels ?? []).map((l: string) => labels[l] ?? '').join(rule.separator ?? ';');
    switch (action) {
      case 'keep':
        if (!regex.test(value)) return undefined;
        break;
      case 'drop':
        if (regex.test(value)) return undefined;
        break;
      case 'replace': {
        const match = regex.exec(value);
        if (!match) break;
        const target_ = expand(rule.target_label, match);
        const result = expand(rule.replacement ?? '$1', match);
        if (result === '') delete labels[target_];
        else labels[target_] = result;
        break;
      }
      case 'labelmap':
        for (const [k, v] of Object.entries({ ...labels })) {
          const match = regex.exec(k);
          if (!match) continue;
          const name = expand(rule.replacement ?? '$1', match);
          // an empty value is no label, as after any relabelling step
          if (v === '') delete labels[name];
          else labels[name] = v;
        }
        break;
      default:
        throw new Error(`relabel simulator: action ${JSON.stringify(action)} is not implemented`);
    }
  }
  return labels;
}

/**
 * What `job` (a rendered scrape_configs entry) scrapes of `pods`: targets kept by its relabelling,
 * deduplicated as Prometheus does (targets that end with the same labels are one target).
 */
export function scrapes(job: any, pods: PodShape[]): Scrape[] {
  const seen = new Map<string, Scrape>();
  for (const pod of pods) {
    for (const discovered of podTargets(pod)) {
      const start = { ...discovered, __scheme__: job.scheme ?? 'http', __metrics_path__: job.metrics_path ?? '/metrics', job: job.job_name };
      const kept = relabel(start, job.relabel_configs ?? []);
      if (!kept) continue;
      const visible = Object.fromEntries(Object.entries(kept).filter(([k]) => !k.startsWith('__')));
      const url = `${kept.__scheme__}://${kept.__address__}${kept.__metrics_path__}`;
      const key = JSON.stringify([url, Object.entries(visible).sort()]);
      if (!seen.has(key)) seen.set(key, { job: job.job_name, url, labels: visible });
    }
  }
  return [...seen.values()];
}
