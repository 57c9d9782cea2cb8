import { Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import { checkEmptyDirSizeLimit } from '../common/resources';
import { propError, show } from '../validation/errors';
import { checkDnsSubdomain } from '../validation/names';

/** Size conversions without rounding: sizes need not be whole MiB. @internal */
export const EXACT = { rounding: SizeRoundingBehavior.NONE };

/** Options for `PrometheusStorage.emptyDir`. */
export interface EmptyDirStorageOptions {
  /**
   * The most the TSDB may use. The kubelet evicts the pod when an emptyDir grows past its limit,
   * so the retention size defaults to 80% of it.
   * @default Size.gibibytes(10)
   */
  readonly sizeLimit?: Size;
}

/** Options for `PrometheusStorage.persistentVolumeClaim`. */
export interface PersistentVolumeClaimStorageOptions {
  /** The size of the claim, in whole GiB (cdk8s-plus-25 writes claim sizes in Gi). */
  readonly size: Size;
  /**
   * The StorageClass of the claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

/** What a storage choice adds to the Prometheus pod. @internal */
export interface BoundStorage {
  readonly volume: kplus.Volume;
  /** The capacity the TSDB must stay under. */
  readonly size: Size;
  /** The claim created, if any. */
  readonly claim?: kplus.PersistentVolumeClaim;
  /** Whether the Deployment must stop the old pod before starting the new one (a ReadWriteOnce claim). */
  readonly recreate: boolean;
}

/** Where Prometheus keeps its TSDB. */
export abstract class PrometheusStorage {
  /**
   * A size-limited emptyDir: data survives container restarts but not the pod (a new pod, e.g.
   * after a configuration change, starts empty). Fine for short retention or when the data is
   * also written remotely.
   */
  public static emptyDir(options: EmptyDirStorageOptions = {}): PrometheusStorage {
    return new EmptyDirStorage(options.sizeLimit ?? Size.gibibytes(10));
  }

  /**
   * A ReadWriteOnce PersistentVolumeClaim created with the server, so data survives new pods.
   * The Deployment then uses the Recreate strategy: two pods can't share the claim or the TSDB lock.
   */
  public static persistentVolumeClaim(options: PersistentVolumeClaimStorageOptions): PrometheusStorage {
    return new ClaimStorage(options);
  }

  /** Creates what the storage needs. @internal */
  public abstract _bind(scope: Construct, names: { name: string; namespace: string }): BoundStorage;
}

class EmptyDirStorage extends PrometheusStorage {
  constructor(private readonly sizeLimit: Size) { super(); }

  public _bind(scope: Construct): BoundStorage {
    checkEmptyDirSizeLimit(scope, 'storage.sizeLimit', this.sizeLimit, {
      minMebibytes: 64, purpose: 'a TSDB', minFix: 'give at least Size.mebibytes(64), typically several GiB', example: 'Size.gibibytes(10)',
    });
    const volume = kplus.Volume.fromEmptyDir(scope, 'storage-volume', 'storage', { sizeLimit: this.sizeLimit });
    return { volume, size: this.sizeLimit, recreate: false };
  }
}

class ClaimStorage extends PrometheusStorage {
  constructor(private readonly options: PersistentVolumeClaimStorageOptions) { super(); }

  public _bind(scope: Construct, names: { name: string; namespace: string }): BoundStorage {
    const size = this.options.size;
    const gib = size instanceof Size ? size.toGibibytes(EXACT) : NaN;
    if (!(Number.isInteger(gib) && gib >= 1)) {
      const received = size instanceof Size ? `${size.toMebibytes(EXACT)}Mi` : show(size);
      throw propError(scope, 'storage.size', `${received} is not a whole number of GiB, which cdk8s-plus-25 writes claim sizes in`,
        'give the claim a size in whole GiB, at least Size.gibibytes(1), typically tens of GiB');
    }
    if (this.options.storageClassName !== undefined) checkDnsSubdomain(scope, 'storage.storageClassName', this.options.storageClassName);
    const claim = new kplus.PersistentVolumeClaim(scope, 'storage-claim', {
      metadata: { name: `${names.name}-data`, namespace: names.namespace },
      storage: size,
      storageClassName: this.options.storageClassName,
      accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
    });
    const volume = kplus.Volume.fromPersistentVolumeClaim(scope, 'storage-volume', claim, { name: 'storage' });
    return { volume, size, claim, recreate: true };
  }
}
