/**
 * `table[key]` when `key` is the table's own, undefined otherwise: a key read from user input
 * ("constructor", "toString", "__proto__") never finds what every JavaScript object inherits.
 * @internal
 */
export function ownValue<T>(table: { readonly [key: string]: T }, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/**
 * The namespace of a Kubernetes object as read from a manifest: its `metadata.namespace` when
 * that is a non-empty string, else `defaultNamespace` (Kubernetes reads an empty namespace as
 * none; Helm leaves one when a value is unset). The wiring checks, the manifest checks and the
 * topology read namespaces with it.
 * @internal
 */
export function manifestNamespace(manifest: unknown, defaultNamespace: string): string {
  const namespace = (manifest as { metadata?: { namespace?: unknown } } | null | undefined)?.metadata?.namespace;
  return typeof namespace === 'string' && namespace !== '' ? namespace : defaultNamespace;
}
