import { createHash } from 'crypto';
import { Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';

/**
 * Rolls pods when the configuration they read changes.
 *
 * Kubernetes doesn't restart pods when a ConfigMap they mount changes. A pod-template annotation
 * holding a hash of the configuration changes the template whenever the configuration changes,
 * so the workload rolls out new pods. The hash is computed when the app is synthesized, so
 * configuration added after this call is included.
 */
export class ConfigHash {
  /** The prefix of the annotations this class adds; the rest of the key names the configuration. */
  public static readonly ANNOTATION_PREFIX = 'config-hash.meshkit.dev/';

  /**
   * Annotates the pod template of `workload` with the SHA-256 of `configMap`'s data and binary data.
   * @returns the annotation key
   */
  public static addConfigMap(workload: kplus.AbstractPod, configMap: kplus.ConfigMap): string {
    return addConfigHash(workload, configMap.node.id, () => stableJson({ data: configMap.data, binaryData: configMap.binaryData }));
  }

  private constructor() {}
}

/**
 * Annotates `pod`'s template with the SHA-256 of what `content` returns at synth time.
 * @returns the annotation key
 * @internal
 */
export function addConfigHash(pod: kplus.AbstractPod, name: string, content: () => string): string {
  const key = ConfigHash.ANNOTATION_PREFIX + annotationName(name);
  pod.podMetadata.addAnnotation(key, Lazy.any({ produce: () => sha256(content()) }));
  return key;
}

/** SHA-256 of a string, hex encoded. @internal */
export function sha256(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** JSON with object keys sorted at every level, so equal content always hashes equally. @internal */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
    : v));
}

/** The name part of an annotation key: at most 63 characters of [A-Za-z0-9-_.]. */
function annotationName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9-_.]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || 'config';
  return clean.length <= 63 ? clean : `${clean.slice(0, 54)}-${sha256(clean).slice(0, 8)}`;
}
