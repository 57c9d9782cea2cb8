import { Size, SizeRoundingBehavior } from 'cdk8s';

/**
 * A Kubernetes CPU quantity as cdk8s-plus writes it ("500m", "1", "1.5") in cores; undefined
 * when it isn't one of those forms.
 * @internal
 */
export function cpuCores(amount: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(amount);
  if (!m) return undefined;
  return m[2] === 'm' ? Number(m[1]) / 1000 : Number(m[1]);
}

/**
 * A memory quantity for places that take it as a string (annotations, CRD fields): in Mi as
 * cdk8s-plus writes it, in Ki when the size isn't a whole number of Mi.
 * @internal
 */
export function memoryQuantity(size: Size): string {
  const kib = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  return kib % 1024 === 0 ? `${kib / 1024}Mi` : `${Math.ceil(kib)}Ki`;
}

/** A size in bytes, rounded to a whole byte. @internal */
export function sizeBytes(size: Size): number {
  return Math.round(size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024);
}
