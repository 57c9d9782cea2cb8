import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { propError } from '../validation/errors';

/** Where the pod spec sits in the synthesized object of each workload kind. */
const POD_SPEC_PATHS: Record<string, string> = {
  Pod: '/spec',
  Deployment: '/spec/template/spec',
  StatefulSet: '/spec/template/spec',
  DaemonSet: '/spec/template/spec',
  ReplicaSet: '/spec/template/spec',
  Job: '/spec/template/spec',
  CronJob: '/spec/jobTemplate/spec/template/spec',
};

/**
 * The JSON pointer of the pod spec inside a workload's synthesized object.
 * @internal
 */
export function podSpecPath(scope: IConstruct, prop: string, pod: kplus.AbstractPod): string {
  const kind = ApiObject.of(pod).kind;
  const path = POD_SPEC_PATHS[kind];
  if (!path) {
    throw propError(scope, prop, `a ${kind} has no pod template this library knows how to change`,
      'pass a Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod');
  }
  return path;
}

/**
 * The grace periods marin3r's webhook gives pods whose Envoy sidecar has the shutdown manager: it
 * sets terminationGracePeriodSeconds to the `shutdown-manager.drain-time` annotation, whatever the
 * template says, and the delivery writes that annotation.
 */
const MARIN3R_SHUTDOWN_GRACE = new WeakMap<kplus.AbstractPod, number>();

/**
 * Records that marin3r's webhook will inject the shutdown manager into the pods of `pod` and give
 * them `seconds` to stop.
 * @internal
 */
export function markMarin3rShutdownManager(pod: kplus.AbstractPod, seconds: number): void {
  MARIN3R_SHUTDOWN_GRACE.set(pod, seconds);
}

/** The grace period of a workload's pods and where it comes from. @internal */
export interface TerminationGrace {
  readonly seconds: number;
  /** How to get more of it, for error messages. */
  readonly howToRaise: string;
}

/**
 * The grace period the pods of a workload get: the template's (30 s by default), or marin3r's
 * when its webhook injects Envoy with the shutdown manager.
 * @internal
 */
export function terminationGrace(pod: kplus.AbstractPod): TerminationGrace {
  const marin3r = MARIN3R_SHUTDOWN_GRACE.get(pod);
  if (marin3r !== undefined) {
    return {
      seconds: marin3r,
      howToRaise: "raise the workload's terminationGracePeriod (marin3r's webhook sets the pod's to the shutdown manager's drain-time, "
        + "which the EnvoySidecar writes as the drain's allowance plus the template's grace period)",
    };
  }
  return { seconds: templateGraceSeconds(pod), howToRaise: "raise the workload's terminationGracePeriod" };
}

/** The terminationGracePeriod of a workload's pod template in seconds (Kubernetes' 30 when unset). @internal */
export function templateGraceSeconds(pod: kplus.AbstractPod): number {
  return pod.terminationGracePeriod ? pod.terminationGracePeriod.toMilliseconds() / 1000 : 30;
}

/** Every container that a construct of this library added to a pod (each one is hardened). */
const LIBRARY_CONTAINERS = new WeakSet<kplus.Container>();

/**
 * Whether a construct of this library added `container` (as a sidecar or init container), as
 * opposed to the user's own containers. Constructs that change "the app containers" skip these.
 * @internal
 */
export function isLibraryContainer(container: kplus.Container): boolean {
  return LIBRARY_CONTAINERS.has(container);
}

/**
 * Completes the securityContext of a container the library added, beyond what cdk8s-plus-25 can
 * express (it already sets runAsNonRoot, readOnlyRootFilesystem, privileged: false and
 * allowPrivilegeEscalation: false): drops all Linux capabilities and applies the runtime's default
 * seccomp profile. Containers keep their index in cdk8s-plus, so the JSON patch stays correct
 * when containers are added later. Also records the container as added by the library
 * (`isLibraryContainer`).
 *
 * @internal
 */
export function hardenContainer(scope: IConstruct, pod: kplus.AbstractPod, container: kplus.Container): void {
  const containers = pod.containers;
  const init = containers.indexOf(container) < 0;
  const index = init ? pod.initContainers.indexOf(container) : containers.indexOf(container);
  if (index < 0) {
    throw propError(scope, 'container', `container "${container.name}" is not part of workload "${pod.node.id}"`, 'add the container to the workload first');
  }
  const base = `${podSpecPath(scope, 'workload', pod)}/${init ? 'initContainers' : 'containers'}/${index}/securityContext`;
  ApiObject.of(pod).addJsonPatch(
    JsonPatch.add(`${base}/capabilities`, { drop: ['ALL'] }),
    JsonPatch.add(`${base}/seccompProfile`, { type: 'RuntimeDefault' }),
  );
  LIBRARY_CONTAINERS.add(container);
}
