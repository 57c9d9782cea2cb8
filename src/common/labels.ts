/**
 * Whether a non-empty label selector selects objects with `labels` (an empty selector selects
 * nothing here: a Service or policy without one is handled by its caller).
 * @internal
 */
export function selects(selector: Record<string, unknown>, labels: Record<string, unknown>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/**
 * Whether every label of `part` is in `whole` (an empty `part` is in everything).
 * @internal
 */
export function selectsAll(part: Record<string, unknown>, whole: Record<string, unknown>): boolean {
  return Object.entries(part).every(([k, v]) => whole[k] === v);
}
