import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { propError, show } from '../validation/errors';

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

// The reference grammar of the distribution project: an optional registry host (with a port) and
// lower-case path components separated by ".", "_", "__" or dashes.
const HOST = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^(?:${HOST}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);

/**
 * Checks an image repository that the library appends its own tag to: a registry path such as
 * "prom/prometheus" or "registry.example.com:5000/mirror/prometheus", with no tag or digest.
 * @param tagNote how the library tags it, for the error (e.g. `the tag is always "v<prometheusVersion>"`)
 * @internal
 */
export function checkImageRepository(scope: IConstruct, prop: string, repository: string, tagNote: string): string {
  if (typeof repository !== 'string' || !REPOSITORY.test(repository)) {
    const lastPart = typeof repository === 'string' ? repository.slice(repository.lastIndexOf('/') + 1) : '';
    const tagged = lastPart.includes(':') || lastPart.includes('@');
    throw propError(scope, prop, `${show(repository)} is not an image repository${tagged ? ' (it carries a tag or digest)' : ''}`,
      `give the repository alone, e.g. "registry.example.com/mirror/${lastPart.split(/[:@]/)[0] || 'image'}"; ${tagNote}`);
  }
  return repository;
}
