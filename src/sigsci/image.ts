import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { checkImageRepository } from '../common/image';
import { propError, show } from '../validation/errors';

/** The image repository of the agent on Docker Hub. */
const REPOSITORY = 'signalsciences/sigsci-agent';
/** The agent version the library pins by default. */
const DEFAULT_VERSION = '4.75.0';
const VERSION = /^\d+\.\d+\.\d+$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Options of every image policy. */
export interface SigSciImageOptions {
  /**
   * Image repository, e.g. a mirror in your own registry.
   * @default "signalsciences/sigsci-agent"
   */
  readonly repository?: string;
}

/** Options of a custom local tag. */
export interface SigSciCustomTagOptions extends SigSciImageOptions {
  /**
   * Pull policy. A custom tag exists only on the nodes where you tagged it, so the only policy
   * that works is `Never`; anything else fails at synth.
   * @default kplus.ImagePullPolicy.NEVER
   */
  readonly pullPolicy?: kplus.ImagePullPolicy;
}

/** The agent image and its pull policy as bound to a construct. @internal */
export interface BoundImage {
  readonly image: string;
  readonly pullPolicy: kplus.ImagePullPolicy;
  /** The agent version, for a pinned one. */
  readonly version?: string;
}

/**
 * Which agent image runs, and how nodes get it: the three policies of Fastly's Kubernetes guide.
 */
export abstract class SigSciImage {
  /** The agent version the library pins by default (`signalsciences/sigsci-agent:4.75.0`). */
  public static readonly DEFAULT_VERSION = DEFAULT_VERSION;

  /**
   * A released agent version with `imagePullPolicy: IfNotPresent`: every pod runs the same
   * agent until you change the version. The default.
   * @param version an agent version such as "4.75.0"
   */
  public static pinned(version: string = DEFAULT_VERSION, options: SigSciImageOptions = {}): SigSciImage {
    return new PolicyImage('version', version, kplus.ImagePullPolicy.IF_NOT_PRESENT, options.repository);
  }

  /**
   * `latest` with `imagePullPolicy: Always`: each pod start pulls the newest agent, so pods of
   * one Deployment can run different agent versions. Only when you ask for it.
   */
  public static latest(options: SigSciImageOptions = {}): SigSciImage {
    return new PolicyImage('latest', 'latest', kplus.ImagePullPolicy.ALWAYS, options.repository);
  }

  /**
   * A tag you applied to a local image (`docker tag signalsciences/sigsci-agent:latest
   * signalsciences/sigsci-agent:testing`) with `imagePullPolicy: Never`: nodes only run what
   * you pulled and tagged on them, and you update them by hand.
   * @param tag the local tag, e.g. "testing"
   */
  public static customTag(tag: string, options: SigSciCustomTagOptions = {}): SigSciImage {
    return new PolicyImage('custom', tag, options.pullPolicy ?? kplus.ImagePullPolicy.NEVER, options.repository);
  }

  /** @internal */
  public abstract _bind(scope: IConstruct, prop: string): BoundImage;
}

class PolicyImage extends SigSciImage {
  constructor(
    private readonly kind: 'version' | 'latest' | 'custom',
    private readonly tag: string,
    private readonly pullPolicy: kplus.ImagePullPolicy,
    private readonly repository: string = REPOSITORY,
  ) {
    super();
  }

  public _bind(scope: IConstruct, prop: string): BoundImage {
    checkImageRepository(scope, `${prop}.repository`, this.repository, 'the tag comes from SigSciImage.pinned(version), latest() or customTag(tag)');
    if (this.kind === 'version' && (typeof this.tag !== 'string' || !VERSION.test(this.tag))) {
      throw propError(scope, prop, `${show(this.tag)} is not an agent version`,
        `pin a released version such as ${show(DEFAULT_VERSION)}; use SigSciImage.latest() for "latest" or SigSciImage.customTag() for a local tag`);
    }
    if (this.kind === 'custom') {
      if (typeof this.tag !== 'string' || !TAG.test(this.tag)) {
        throw propError(scope, prop, `${show(this.tag)} is not a valid image tag`, 'use letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-")');
      }
      if (this.pullPolicy !== kplus.ImagePullPolicy.NEVER) {
        throw propError(scope, `${prop}.pullPolicy`, `custom tag ${show(this.tag)} with pull policy ${this.pullPolicy}`,
          'a custom tag exists only on the nodes where you tagged it: use kplus.ImagePullPolicy.NEVER (the default), or SigSciImage.pinned() for a released version');
      }
    }
    return { image: `${this.repository}:${this.tag}`, pullPolicy: this.pullPolicy, version: this.kind === 'version' ? this.tag : undefined };
  }
}
