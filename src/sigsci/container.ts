import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-25';
import { Construct } from 'constructs';
import type { SigSciAgentBaseProps } from './agent';
import { SigSciImage } from './image';
import { optionEnvName, optionsEnv } from './options';
import { hardenContainer, terminationGrace } from '../common/pod';
import { checkEmptyDirSizeLimit, cpuCores, requireResources } from '../common/resources';
import { propError, show } from '../validation/errors';
import { PodPorts, checkUnprivilegedPort } from '../validation/ports';

/** Name of the agent's container in every pod the library adds it to. */
export const AGENT_CONTAINER = 'sigsci-agent';
/** Where the official image expects its writable temporary directory. */
export const DEFAULT_TMP_DIR = '/sigsci/tmp';
/** uid/gid the agent runs as unless told otherwise. @internal */
export const DEFAULT_AGENT_UID = 65532;
/** The port of the agent's startup endpoint in Fastly's guide. */
const DEFAULT_STARTUP_PORT = 2024;
/** The first agent release with the startup endpoint. */
const STARTUP_PROBE_VERSION = [4, 51, 0];

/** What the mode adds to the shared settings. @internal */
export interface AgentContainerMode {
  /** Environment the construct owns (gRPC address, reverse-proxy listener, ...). */
  readonly env: Record<string, string>;
  /** Whether the agent opens its RPC socket (every mode but reverse proxy). */
  readonly rpcSocket: boolean;
  readonly ports: kplus.ContainerPort[];
  readonly readiness?: kplus.Probe;
  /** How long the preStop hook sleeps; undefined when something else owns the hook (marin3r's shutdown manager). */
  readonly preStopDelay?: Duration;
  /** What `waitForRules` defaults to in this mode. */
  readonly waitForRulesByDefault: boolean;
}

/** The agent container as added to a pod. @internal */
export interface AgentContainer {
  readonly container: kplus.Container;
  readonly tmpVolume: kplus.Volume;
  readonly tmpDir: string;
  /** Path of the RPC socket (modules connect here). */
  readonly socketPath: string;
}

const DEFAULT_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) },
  memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) },
};

/**
 * Adds the hardened agent container to `pod`: keys from the Secret, a read-only root filesystem
 * with an emptyDir for the socket and caches, options as SIGSCI_* variables, requests and limits,
 * and a preStop delay.
 * @internal
 */
export function addAgentContainer(
  scope: Construct, pod: kplus.AbstractPod, settings: SigSciAgentBaseProps, mode: AgentContainerMode,
): AgentContainer {
  if (!settings.credentials) {
    throw propError(scope, 'credentials', 'received undefined', "pass credentials: SigSciCredentials.fromSecret(secret) with the Secret holding the site's agent keys");
  }
  const keys = settings.credentials._bind(scope, 'credentials');
  const image = (settings.image ?? SigSciImage.pinned())._bind(scope, 'image');
  const tmpDir = checkTmpDir(scope, settings.tmpDir ?? DEFAULT_TMP_DIR);
  const user = settings.user ?? DEFAULT_AGENT_UID;
  if (!Number.isInteger(user) || user < 1) {
    throw propError(scope, 'user', `${show(user)} is not a non-root uid`, 'use an integer uid of at least 1');
  }
  const resources = requireResources(scope, 'resources', settings.resources) ?? DEFAULT_RESOURCES;
  const waitForRules = settings.waitForRules ?? mode.waitForRulesByDefault;
  if (!waitForRules && settings.startupPort !== undefined) {
    throw propError(scope, 'startupPort', `${show(settings.startupPort)} has no effect without waitForRules`, 'drop startupPort, or set waitForRules: true');
  }
  const startupPort = waitForRules
    ? checkUnprivilegedPort(scope, 'startupPort', settings.startupPort ?? DEFAULT_STARTUP_PORT, 'the agent (not root)', `use a port from 1024 up, e.g. ${DEFAULT_STARTUP_PORT}`)
    : undefined;
  if (startupPort !== undefined) PodPorts.of(pod).claim(scope, 'startupPort', startupPort, AGENT_CONTAINER, 'the SigSci agent startup endpoint');
  if (waitForRules && image.version !== undefined && olderThan(image.version, STARTUP_PROBE_VERSION)) {
    throw propError(scope, 'image', `agent ${image.version} has no startup endpoint (SIGSCI_STARTUP_PROBE_LISTENER, from ${STARTUP_PROBE_VERSION.join('.')}), which keeps the pod out of traffic until the agent has loaded the site's rules`,
      `pin ${STARTUP_PROBE_VERSION.join('.')} or newer, e.g. SigSciImage.pinned() (${show(SigSciImage.DEFAULT_VERSION)}), or set waitForRules: false`);
  }
  const cpuLimit = resources.cpu?.limit ? cpuCores(resources.cpu.limit.amount) : undefined;

  const env: Record<string, string> = {
    ...optionsEnv(scope, settings.options ?? {}, settings.extraOptions ?? {}, cpuLimit),
    [optionEnvName('shared-cache-dir')]: `${tmpDir}/cache`,
    // /startup answers 503 until the rules are loaded (Fastly's Kubernetes startup probe)
    ...(startupPort !== undefined ? { [optionEnvName('startup-probe-listener')]: `0.0.0.0:${startupPort}` } : {}),
    ...mode.env,
  };
  const socketPath = `${tmpDir}/sigsci.sock`;
  if (mode.rpcSocket) env[optionEnvName('rpc-address')] = socketPath;

  const tmpVolume = kplus.Volume.fromEmptyDir(scope, 'tmp', 'sigsci-tmp', { sizeLimit: checkTmpSize(scope, settings.tmpSizeLimit ?? DEFAULT_TMP_SIZE) });
  const envVariables: Record<string, kplus.EnvValue> = { ...keys };
  for (const name of Object.keys(env).sort()) envVariables[name] = kplus.EnvValue.fromValue(env[name]);
  const container = pod.addContainer({
    name: AGENT_CONTAINER,
    image: image.image,
    imagePullPolicy: image.pullPolicy,
    envVariables,
    ports: startupPort !== undefined ? [...mode.ports, { number: startupPort, name: 'sigsci-startup' }] : mode.ports,
    securityContext: { user, group: user, ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
    resources,
    readiness: mode.readiness,
    // the container, and so the pod, is not ready until the agent has loaded the site's rules
    startup: startupPort !== undefined ? kplus.Probe.fromHttpGet('/startup', { port: startupPort, periodSeconds: Duration.seconds(2), failureThreshold: 90 }) : undefined,
    // keep serving while whatever sends requests to the agent winds down; SIGTERM follows
    lifecycle: mode.preStopDelay && { preStop: kplus.Handler.fromCommand(['sleep', String(Math.ceil(mode.preStopDelay.toSeconds({ integral: false })))]) },
    volumeMounts: [{ path: tmpDir, volume: tmpVolume }],
  });
  hardenContainer(scope, pod, container);
  return { container, tmpVolume, tmpDir, socketPath };
}

/**
 * Adds fields to what a cdk8s-plus object renders, for fields that its Kubernetes 1.25 types have
 * but its props don't (a Service's `sessionAffinity`). The fields stay
 * inside the typed spec and go through its serializer, instead of a JSON patch on the output.
 * @internal
 */
export function extendRendering<T extends object>(target: T, extend: (rendered: any) => any): T {
  const render = (target as any)._toKube.bind(target);
  Object.defineProperty(target, '_toKube', { value: (...args: unknown[]) => extend(render(...args)) });
  return target;
}

/**
 * The port a kubelet probe connects to over the network (`grpc`, `tcpSocket` or `httpGet`), or
 * undefined for an exec probe, which runs inside the container.
 * @internal
 */
export function probedPort(probe: kplus.Probe, container: kplus.Container): number | string | undefined {
  const rendered: any = probe._toKube(container);
  const port = rendered.grpc?.port ?? rendered.tcpSocket?.port ?? rendered.httpGet?.port;
  return port instanceof Object && 'value' in port ? port.value : port;
}

/** The earliest time the agent may stop: the delay must fit in the pod's grace period. @internal */
export function checkPreStopDelay(scope: Construct, pod: kplus.AbstractPod, delay: Duration, minimum?: { seconds: number; why: string }): Duration {
  const seconds = delay.toSeconds({ integral: false });
  const { seconds: grace, howToRaise } = terminationGrace(pod);
  if (!Number.isFinite(seconds) || seconds < 1 || Math.ceil(seconds) + 2 > grace) {
    throw propError(scope, 'preStopDelay', `${seconds}s does not fit in the pod's terminationGracePeriod of ${grace}s with 2s to spare for the agent to exit`,
      `use a preStopDelay from 1s to ${grace - 2}s (${howToRaise})`);
  }
  if (minimum && Math.ceil(seconds) < minimum.seconds) {
    throw propError(scope, 'preStopDelay', `${seconds}s is shorter than ${minimum.why} (${minimum.seconds}s)`,
      `use at least Duration.seconds(${minimum.seconds}) so that the agent keeps answering until then`);
  }
  return delay;
}

/** Whether version `v` ("4.50.1") is older than `min`. */
function olderThan(v: string, min: number[]): boolean {
  const parts = v.split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 0; i < min.length; i++) {
    const p = parts[i] ?? 0;
    if (p !== min[i]) return p < min[i];
  }
  return false;
}

const DEFAULT_TMP_SIZE = Size.mebibytes(256);

function checkTmpSize(scope: Construct, size: Size): Size {
  return checkEmptyDirSizeLimit(scope, 'tmpSizeLimit', size, {
    minMebibytes: 16,
    purpose: 'the agent\'s socket and shared cache',
    minFix: 'give at least Size.mebibytes(16); the default is Size.mebibytes(256)',
    example: 'Size.mebibytes(256)',
  });
}

function checkTmpDir(scope: Construct, dir: string): string {
  if (typeof dir !== 'string' || !/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/.test(dir) || dir.split('/').includes('..')) {
    throw propError(scope, 'tmpDir', `${show(dir)} is not an absolute directory path`, `use e.g. ${show(DEFAULT_TMP_DIR)}`);
  }
  return dir;
}
