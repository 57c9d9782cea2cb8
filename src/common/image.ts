import * as kplus from 'cdk8s-plus-25';

/**
 * The pull policy an image reference calls for: `IfNotPresent` when it names a version (a tag
 * other than `latest`, or a digest), so every pod runs the same build and no start depends on
 * the registry; `Always` when it floats (`latest` or no tag), so a node never runs a stale copy.
 * @internal
 */
export function pullPolicyFor(image: string): kplus.ImagePullPolicy {
  if (image.includes('@sha256:')) return kplus.ImagePullPolicy.IF_NOT_PRESENT;
  const tag = /:([^:/]+)$/.exec(image)?.[1];
  return !tag || tag === 'latest' ? kplus.ImagePullPolicy.ALWAYS : kplus.ImagePullPolicy.IF_NOT_PRESENT;
}
