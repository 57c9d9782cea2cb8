import { Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { propError, show } from '../validation/errors';

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

/** Requests and limits as quantity strings, those given only. @internal */
export interface ResourceQuantities {
  readonly cpuRequest?: string;
  readonly cpuLimit?: string;
  readonly memoryRequest?: string;
  readonly memoryLimit?: string;
  readonly ephemeralStorageRequest?: string;
  readonly ephemeralStorageLimit?: string;
}

/**
 * The requests and limits of `resources` as the quantity strings that the annotations of sidecar
 * injectors take (marin3r, Istio, Speedscale): CPU as cdk8s-plus writes it, sizes by `memoryQuantity`.
 * @internal
 */
export function resourceQuantities(resources: kplus.ContainerResources): ResourceQuantities {
  return {
    cpuRequest: resources.cpu?.request?.amount,
    cpuLimit: resources.cpu?.limit?.amount,
    memoryRequest: resources.memory?.request && memoryQuantity(resources.memory.request),
    memoryLimit: resources.memory?.limit && memoryQuantity(resources.memory.limit),
    ephemeralStorageRequest: resources.ephemeralStorage?.request && memoryQuantity(resources.ephemeralStorage.request),
    ephemeralStorageLimit: resources.ephemeralStorage?.limit && memoryQuantity(resources.ephemeralStorage.limit),
  };
}

/** A size in bytes, rounded to a whole byte. @internal */
export function sizeBytes(size: Size): number {
  return Math.round(size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024);
}

/**
 * Container resources given by a user, refused unless they have CPU and memory requests and
 * limits: every container this library adds has all four, so that the scheduler places it for
 * what it uses and no container can take the node's CPU or memory.
 * @param prop the prop the resources came from, e.g. `resources`
 * @internal
 */
export function requireResources<T extends kplus.ContainerResources | undefined>(scope: IConstruct, prop: string, resources: T): T {
  if (resources === undefined) return resources;
  const missing = missingResources(resources);
  if (missing.length > 0) throw propError(scope, prop, `has no ${missing.join(', ')}`, RESOURCES_FIX);
  const above = requestAboveLimit(resources as kplus.ContainerResources);
  if (above) throw propError(scope, `${prop}.${above.resource}`, above.received, REQUEST_ABOVE_LIMIT_FIX);
  return resources;
}

/** The fix of an error about a request above its limit. @internal */
export const REQUEST_ABOVE_LIMIT_FIX = 'give a request no larger than the limit (Kubernetes refuses the pod otherwise)';

/**
 * The CPU or memory request above its limit in `resources`, which Kubernetes refuses (for an
 * injected sidecar, only when the pod is created), e.g. `{ resource: 'cpu', received: 'request
 * 1500m is above limit 1000m' }`; undefined when there is none.
 * @internal
 */
export function requestAboveLimit(r: kplus.ContainerResources): { resource: 'cpu' | 'memory'; received: string } | undefined {
  const cpuRequest = r.cpu?.request ? cpuCores(r.cpu.request.amount) : undefined;
  const cpuLimit = r.cpu?.limit ? cpuCores(r.cpu.limit.amount) : undefined;
  if (cpuRequest !== undefined && cpuLimit !== undefined && cpuRequest > cpuLimit) {
    return { resource: 'cpu', received: `request ${r.cpu!.request!.amount} is above limit ${r.cpu!.limit!.amount}` };
  }
  if (r.memory?.request && r.memory?.limit && sizeBytes(r.memory.request) > sizeBytes(r.memory.limit)) {
    return { resource: 'memory', received: `request ${memoryQuantity(r.memory.request)} is above limit ${memoryQuantity(r.memory.limit)}` };
  }
  return undefined;
}

/** Which of the four requests and limits `resources` lacks, e.g. ["cpu.limit"]. @internal */
export function missingResources(resources: kplus.ContainerResources): string[] {
  return [
    resources.cpu?.request ? undefined : 'cpu.request',
    resources.cpu?.limit ? undefined : 'cpu.limit',
    resources.memory?.request ? undefined : 'memory.request',
    resources.memory?.limit ? undefined : 'memory.limit',
  ].filter((m): m is string => m !== undefined);
}

/** The fix of an error about incomplete resources. @internal */
export const RESOURCES_FIX = 'give CPU and memory requests and limits, '
  + 'e.g. { cpu: { request: Cpu.millis(100), limit: Cpu.units(1) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } }';

/** What an emptyDir's size limit must be: at least `minMebibytes`, and what it is for. @internal */
export interface EmptyDirSizeRule {
  /** The smallest limit, in MiB. */
  readonly minMebibytes: number;
  /** What a smaller limit is too small for, e.g. "a TSDB". */
  readonly purpose: string;
  /** The fix of a limit below the minimum. */
  readonly minFix: string;
  /** A limit to give as an example, e.g. "Size.gibibytes(10)". */
  readonly example: string;
}

/**
 * Checks the size limit of an emptyDir: a cdk8s Size of at least `rule.minMebibytes`, in whole
 * MiB (cdk8s-plus-25 writes emptyDir limits in Mi and can't write a fraction).
 * @internal
 */
export function checkEmptyDirSizeLimit(scope: IConstruct, prop: string, size: Size, rule: EmptyDirSizeRule): Size {
  if (!(size instanceof Size)) throw propError(scope, prop, `${show(size)} is not a cdk8s Size`, `give e.g. ${rule.example}`);
  const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!(mib >= rule.minMebibytes)) throw propError(scope, prop, `${mib}Mi is too small for ${rule.purpose}`, rule.minFix);
  if (!Number.isInteger(mib)) {
    throw propError(scope, prop, `${mib}Mi is not a whole number of MiB, which cdk8s-plus-25 writes emptyDir limits in`, `give the limit in whole MiB or GiB, e.g. ${rule.example}`);
  }
  return size;
}
