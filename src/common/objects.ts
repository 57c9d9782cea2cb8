/**
 * `table[key]` when `key` is the table's own, undefined otherwise: a key read from user input
 * ("constructor", "toString", "__proto__") never finds what every JavaScript object inherits.
 * @internal
 */
export function ownValue<T>(table: { readonly [key: string]: T }, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
