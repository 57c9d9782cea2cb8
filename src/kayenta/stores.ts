import * as kplus from 'cdk8s-plus-25';
import { IConstruct } from 'constructs';
import { KayentaCredentials, rejectUrlCredentials } from './credentials';
import { propError, show } from '../validation/errors';

/** The roles an account can play in Kayenta (its `supportedTypes`). */
export enum KayentaStoreType {
  /** Reads time series for canary analysis. */
  METRICS_STORE = 'METRICS_STORE',
  /** Keeps Kayenta's results: metric set lists, judgements, execution data. */
  OBJECT_STORE = 'OBJECT_STORE',
  /** Keeps the canary configs saved through the `/canaryConfig` API. */
  CONFIGURATION_STORE = 'CONFIGURATION_STORE',
}

/**
 * What binding a store to a Kayenta needs: where errors point, and where credentials go.
 * @internal
 */
export interface KayentaStoreContext {
  readonly scope: IConstruct;
  /** The prop the store came from, e.g. `storage[0]`. */
  readonly prop: string;
  readonly credentials: KayentaCredentials;
}

/**
 * One account in kayenta.yml.
 * @internal
 */
export interface KayentaAccount {
  /** The `kayenta.<provider>` section that holds the account (`prometheus`, `azure`, `aws`, ...). */
  readonly provider: string;
  /** The storage service section that must be enabled too (`blobs`, `s3`, `gcs`), if any. */
  readonly storageService?: string;
  readonly name: string;
  readonly supportedTypes: KayentaStoreType[];
  /** The account entry as Kayenta reads it. */
  readonly entry: { [key: string]: unknown };
}

const ACCOUNT_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

function checkAccountName(ctx: KayentaStoreContext, name: string): string {
  if (typeof name !== 'string' || !ACCOUNT_NAME.test(name)) {
    throw propError(ctx.scope, `${ctx.prop}.accountName`, `${show(name)} is not a usable account name`,
      'use letters, digits, ".", "_" and "-", starting and ending with a letter or digit (e.g. "canary-storage")');
  }
  return name;
}

function checkHttpUrl(ctx: KayentaStoreContext, prop: string, url: string): string {
  if (typeof url !== 'string' || !/^https?:\/\/[^/\s]+/.test(url)) {
    throw propError(ctx.scope, `${ctx.prop}.${prop}`, `${show(url)} is not an http(s) URL`, 'give a URL such as "http://prometheus.monitoring.svc:9090"');
  }
  rejectUrlCredentials(ctx.scope, `${ctx.prop}.${prop}`, url);
  return url;
}

function required(ctx: KayentaStoreContext, prop: string, value: string | undefined, example: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw propError(ctx.scope, `${ctx.prop}.${prop}`, `received ${show(value)}`, `give a non-empty value such as ${show(example)}`);
  }
  return value;
}

/** Drops undefined values so kayenta.yml holds only what was set. */
function compact(entry: { [key: string]: unknown }): { [key: string]: unknown } {
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined));
}

// ---------------------------------------------------------------------------------------------
// Metrics stores
// ---------------------------------------------------------------------------------------------

/** How Kayenta authenticates to Prometheus. */
export abstract class KayentaPrometheusAuth {
  /**
   * HTTP basic authentication. The password reaches Kayenta from a Secret key.
   * @param username the user name (not a secret; written into kayenta.yml)
   * @param password the Secret key holding the password
   */
  public static basic(username: string, password: kplus.SecretValue): KayentaPrometheusAuth {
    return new BasicAuth(username, password);
  }

  /** A bearer token (`Authorization: Bearer ...`) from a Secret key. */
  public static bearerToken(token: kplus.SecretValue): KayentaPrometheusAuth {
    return new BearerAuth(token);
  }

  /**
   * HTTP basic authentication from a file: the Secret key holds `username:password`, mounted
   * read-only into the container, and Kayenta reads it from there (`usernamePasswordFile`).
   * Neither the user name nor the password goes into kayenta.yml or the environment.
   * @param usernamePassword the Secret key holding `username:password`
   */
  public static basicFromFile(usernamePassword: kplus.SecretValue): KayentaPrometheusAuth {
    return new BasicFileAuth(usernamePassword);
  }

  /** @internal */
  public abstract _bind(ctx: KayentaStoreContext, account: string): { [key: string]: unknown };
}

class BasicAuth extends KayentaPrometheusAuth {
  constructor(private readonly username: string, private readonly password: kplus.SecretValue) {
    super();
  }

  public _bind(ctx: KayentaStoreContext, account: string) {
    return {
      username: required(ctx, 'auth.username', this.username, 'kayenta'),
      password: ctx.credentials.placeholder(`${ctx.prop}.auth.password`, `prometheus account "${account}"`, ['prometheus', account, 'password'], this.password),
    };
  }
}

class BasicFileAuth extends KayentaPrometheusAuth {
  constructor(private readonly usernamePassword: kplus.SecretValue) {
    super();
  }

  public _bind(ctx: KayentaStoreContext, account: string) {
    return {
      usernamePasswordFile: ctx.credentials.file(`${ctx.prop}.auth.usernamePassword`, `prometheus account "${account}"`, ['prometheus', account], this.usernamePassword),
    };
  }
}

class BearerAuth extends KayentaPrometheusAuth {
  constructor(private readonly token: kplus.SecretValue) {
    super();
  }

  public _bind(ctx: KayentaStoreContext, account: string) {
    return { bearerToken: ctx.credentials.placeholder(`${ctx.prop}.auth.bearerToken`, `prometheus account "${account}"`, ['prometheus', account, 'bearertoken'], this.token) };
  }
}

/** Options of `KayentaMetricsStore.prometheus`: a Prometheus account Kayenta reads metrics from. */
export interface KayentaPrometheusOptions {
  /** Prometheus's base URL, e.g. `http://prometheus.monitoring.svc:9090`. No credentials in it. */
  readonly baseUrl: string;

  /**
   * The account name canary requests refer to (`metricsAccountName`).
   * @default "prometheus"
   */
  readonly accountName?: string;

  /**
   * How Kayenta authenticates to Prometheus.
   * @default - no authentication
   */
  readonly auth?: KayentaPrometheusAuth;
}

/** Options of `KayentaMetricsStore.datadog`: a Datadog account Kayenta reads metrics from. */
export interface KayentaDatadogOptions {
  /** The Secret key holding the Datadog API key. */
  readonly apiKey: kplus.SecretValue;

  /** The Secret key holding the Datadog application key. */
  readonly applicationKey: kplus.SecretValue;

  /**
   * The account name canary requests refer to (`metricsAccountName`).
   * @default "datadog"
   */
  readonly accountName?: string;

  /**
   * The Datadog API site.
   * @default "https://api.datadoghq.com"
   */
  readonly baseUrl?: string;
}

/** A metrics account Kayenta reads time series from (`METRICS_STORE`). */
export abstract class KayentaMetricsStore {
  /**
   * A Prometheus server (`kayenta.prometheus`). Queries are PromQL, sent to `/api/v1/query_range`.
   */
  public static prometheus(options: KayentaPrometheusOptions): KayentaMetricsStore {
    return new PrometheusStore(options);
  }

  /** Datadog (`kayenta.datadog`). Both keys reach Kayenta from Secrets. */
  public static datadog(options: KayentaDatadogOptions): KayentaMetricsStore {
    return new DatadogStore(options);
  }

  /** @internal */
  public abstract _bind(ctx: KayentaStoreContext): KayentaAccount;
}

class PrometheusStore extends KayentaMetricsStore {
  constructor(private readonly options: KayentaPrometheusOptions) {
    super();
  }

  public _bind(ctx: KayentaStoreContext): KayentaAccount {
    const name = checkAccountName(ctx, this.options.accountName ?? 'prometheus');
    const baseUrl = checkHttpUrl(ctx, 'baseUrl', this.options.baseUrl);
    const supportedTypes = [KayentaStoreType.METRICS_STORE];
    return {
      provider: 'prometheus',
      name,
      supportedTypes,
      entry: { name, endpoint: { baseUrl }, ...this.options.auth?._bind(ctx, name), supportedTypes },
    };
  }
}

class DatadogStore extends KayentaMetricsStore {
  constructor(private readonly options: KayentaDatadogOptions) {
    super();
  }

  public _bind(ctx: KayentaStoreContext): KayentaAccount {
    const name = checkAccountName(ctx, this.options.accountName ?? 'datadog');
    const baseUrl = checkHttpUrl(ctx, 'baseUrl', this.options.baseUrl ?? 'https://api.datadoghq.com');
    const owner = `datadog account "${name}"`;
    const supportedTypes = [KayentaStoreType.METRICS_STORE];
    return {
      provider: 'datadog',
      name,
      supportedTypes,
      entry: {
        name,
        apiKey: ctx.credentials.placeholder(`${ctx.prop}.apiKey`, owner, ['datadog', name, 'apikey'], this.options.apiKey),
        applicationKey: ctx.credentials.placeholder(`${ctx.prop}.applicationKey`, owner, ['datadog', name, 'applicationkey'], this.options.applicationKey),
        endpoint: { baseUrl },
        supportedTypes,
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Object and configuration stores
// ---------------------------------------------------------------------------------------------

/** What every storage account of `KayentaStorage` takes: its account name and the store types it serves. */
export interface KayentaStorageCommonOptions {
  /**
   * The account name canary requests refer to (`storageAccountName`, `configurationAccountName`).
   * @default - the provider's name: "azure", "s3", "gcs" or "memory"
   */
  readonly accountName?: string;

  /**
   * What Kayenta keeps in this account: results (`OBJECT_STORE`), saved canary configs
   * (`CONFIGURATION_STORE`) or both. Kayenta's S3, GCS and Azure storage services serve only
   * accounts that include `OBJECT_STORE`, so `[CONFIGURATION_STORE]` alone is for memory storage.
   * @default [OBJECT_STORE, CONFIGURATION_STORE]
   */
  readonly storeTypes?: KayentaStoreType[];
}

/** Options of `KayentaStorage.azure`: an Azure Blob Storage container for Kayenta's objects and configs. */
export interface KayentaAzureStorageOptions extends KayentaStorageCommonOptions {
  /** The storage account's name (3-24 lower-case letters and digits). */
  readonly storageAccountName: string;

  /** The Secret key holding the storage account's access key. */
  readonly accessKey: kplus.SecretValue;

  /** The blob container (Kayenta creates it if it is missing). */
  readonly container: string;

  /**
   * The folder inside the container under which Kayenta writes.
   * @default "kayenta"
   */
  readonly rootFolder?: string;

  /**
   * The storage endpoint suffix of the Azure cloud.
   * @default "core.windows.net" (Azure public cloud)
   */
  readonly endpointSuffix?: string;
}

/** Options of `KayentaStorage.s3`: an S3 (or S3-compatible) bucket for Kayenta's objects and configs. */
export interface KayentaS3StorageOptions extends KayentaStorageCommonOptions {
  /** The bucket. */
  readonly bucket: string;

  /**
   * The bucket's region, which requests are signed for (with `endpoint` too: S3-compatible stores
   * that check the signature's region need theirs here). Required for AWS S3 (no `endpoint`):
   * Kayenta builds its S3 client at start-up, and where the AWS SDK finds no region of its own
   * (outside EKS and EC2) it would not start; the construct can't tell where it will run, so it
   * asks for the region on EKS and EC2 too.
   * @default - with `endpoint`, "us-east-1" (Kayenta's fallback); none without `endpoint`, where a region must be given
   */
  readonly region?: string;

  /**
   * The folder inside the bucket under which Kayenta writes.
   * @default "kayenta"
   */
  readonly rootFolder?: string;

  /**
   * An S3-compatible endpoint such as MinIO (`http://minio.minio.svc:9000`). Kayenta then uses
   * path-style access.
   * @default - AWS S3
   */
  readonly endpoint?: string;

  /**
   * The Secret key holding the access key id. Give it together with `secretAccessKey`.
   * @default - the AWS SDK's default credentials chain (IRSA, instance profile)
   */
  readonly accessKeyId?: kplus.SecretValue;

  /**
   * The Secret key holding the secret access key. Give it together with `accessKeyId`.
   * @default - the AWS SDK's default credentials chain (IRSA, instance profile)
   */
  readonly secretAccessKey?: kplus.SecretValue;
}

/** Options of `KayentaStorage.gcs`: a Google Cloud Storage bucket for Kayenta's objects and configs. */
export interface KayentaGcsStorageOptions extends KayentaStorageCommonOptions {
  /** The Google Cloud project. */
  readonly project: string;

  /** The bucket. */
  readonly bucket: string;

  /**
   * The bucket's location, used when Kayenta creates the bucket.
   * @default - Google's default location
   */
  readonly bucketLocation?: string;

  /**
   * The folder inside the bucket under which Kayenta writes.
   * @default "kayenta"
   */
  readonly rootFolder?: string;

  /**
   * The Secret key holding a service account's JSON key. It is mounted read-only as a file and
   * its path is written as `jsonPath`.
   * @default - Application Default Credentials (e.g. GKE Workload Identity)
   */
  readonly jsonKey?: kplus.SecretValue;
}

/** Where Kayenta keeps its results and saved canary configs (`OBJECT_STORE`, `CONFIGURATION_STORE`). */
export abstract class KayentaStorage {
  /**
   * Azure Blob Storage: enables both `kayenta.azure` (the account) and `kayenta.blobs` (the
   * storage service). Kayenta connects with `DefaultEndpointsProtocol=http`, so the storage account
   * must allow HTTP (`--https-only false`).
   */
  public static azure(options: KayentaAzureStorageOptions): KayentaStorage {
    return new AzureStorage(options);
  }

  /**
   * Amazon S3 or an S3-compatible store such as MinIO: enables both `kayenta.aws` (the account)
   * and `kayenta.s3` (the storage service).
   */
  public static s3(options: KayentaS3StorageOptions): KayentaStorage {
    return new S3Storage(options);
  }

  /**
   * Google Cloud Storage: enables both `kayenta.google` (the account) and `kayenta.gcs` (the
   * storage service).
   */
  public static gcs(options: KayentaGcsStorageOptions): KayentaStorage {
    return new GcsStorage(options);
  }

  /**
   * In-memory storage (`kayenta.memory`): everything is lost when the pod restarts, and each
   * replica has its own. For trying Kayenta out, not for production.
   */
  public static memory(options: KayentaStorageCommonOptions = {}): KayentaStorage {
    return new MemoryStorage(options);
  }

  /** @internal */
  public abstract _bind(ctx: KayentaStoreContext): KayentaAccount;

}

/**
 * The account name and the store types of a storage account, checked.
 * @param service the cloud storage service (S3, GCS, Azure Blob Storage), or undefined for memory
 */
function storageCommon(ctx: KayentaStoreContext, options: KayentaStorageCommonOptions, defaultName: string, service?: string) {
  const name = checkAccountName(ctx, options.accountName ?? defaultName);
  const supportedTypes = [...(options.storeTypes ?? [KayentaStoreType.OBJECT_STORE, KayentaStoreType.CONFIGURATION_STORE])];
  const duplicates = new Set(supportedTypes).size !== supportedTypes.length;
  if (supportedTypes.length === 0 || supportedTypes.includes(KayentaStoreType.METRICS_STORE) || duplicates) {
    throw propError(ctx.scope, `${ctx.prop}.storeTypes`, `${show(supportedTypes)} is not a set of storage roles`,
      'use OBJECT_STORE, CONFIGURATION_STORE or both, each once (metrics come from a KayentaMetricsStore)');
  }
  // Kayenta's cloud storage services take only the accounts that are object stores, for configs too
  if (service !== undefined && !supportedTypes.includes(KayentaStoreType.OBJECT_STORE)) {
    throw propError(ctx.scope, `${ctx.prop}.storeTypes`,
      `${show(supportedTypes)} for account ${show(name)}, but Kayenta's ${service} storage service serves only accounts that include OBJECT_STORE, so this account would hold no canary configs`,
      'include OBJECT_STORE (the default, [OBJECT_STORE, CONFIGURATION_STORE]), or keep configs in KayentaStorage.memory({ storeTypes: [CONFIGURATION_STORE] })');
  }
  return { name, supportedTypes };
}

class AzureStorage extends KayentaStorage {
  constructor(private readonly options: KayentaAzureStorageOptions) {
    super();
  }

  public _bind(ctx: KayentaStoreContext): KayentaAccount {
    const { name, supportedTypes } = storageCommon(ctx, this.options, 'azure', 'Azure Blob Storage');
    const o = this.options;
    if (typeof o.storageAccountName !== 'string' || !/^[a-z0-9]{3,24}$/.test(o.storageAccountName)) {
      throw propError(ctx.scope, `${ctx.prop}.storageAccountName`, `${show(o.storageAccountName)} is not an Azure storage account name`,
        'use 3 to 24 lower-case letters and digits, e.g. "kayentastorage"');
    }
    if (typeof o.container !== 'string' || !/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(o.container)) {
      throw propError(ctx.scope, `${ctx.prop}.container`, `${show(o.container)} is not an Azure blob container name`,
        'use 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit');
    }
    return {
      provider: 'azure',
      storageService: 'blobs',
      name,
      supportedTypes,
      entry: {
        name,
        storageAccountName: o.storageAccountName,
        accountAccessKey: ctx.credentials.placeholder(`${ctx.prop}.accessKey`, `azure account "${name}"`, ['azure', name, 'accountaccesskey'], o.accessKey),
        container: o.container,
        rootFolder: required(ctx, 'rootFolder', o.rootFolder ?? 'kayenta', 'kayenta'),
        endpointSuffix: required(ctx, 'endpointSuffix', o.endpointSuffix ?? 'core.windows.net', 'core.windows.net'),
        supportedTypes,
      },
    };
  }
}

class S3Storage extends KayentaStorage {
  constructor(private readonly options: KayentaS3StorageOptions) {
    super();
  }

  public _bind(ctx: KayentaStoreContext): KayentaAccount {
    const { name, supportedTypes } = storageCommon(ctx, this.options, 's3', 'S3');
    const o = this.options;
    if ((o.accessKeyId === undefined) !== (o.secretAccessKey === undefined)) {
      throw propError(ctx.scope, `${ctx.prop}.${o.accessKeyId ? 'secretAccessKey' : 'accessKeyId'}`, 'only one half of the key pair was given',
        'give both accessKeyId and secretAccessKey, or neither to use the AWS default credentials chain');
    }
    if (o.endpoint === undefined && (o.region === undefined || o.region.trim() === '')) {
      throw propError(ctx.scope, `${ctx.prop}.region`, `received ${show(o.region)} for an AWS S3 bucket (no endpoint)`,
        'give the bucket\'s region, e.g. "eu-west-1": Kayenta builds its S3 client at start-up and fails to start where the AWS SDK finds no region of its own');
    }
    const owner = `aws account "${name}"`;
    const explicitCredentials = o.accessKeyId === undefined ? undefined : {
      accessKey: ctx.credentials.placeholder(`${ctx.prop}.accessKeyId`, owner, ['aws', name, 'accesskey'], o.accessKeyId),
      secretKey: ctx.credentials.placeholder(`${ctx.prop}.secretAccessKey`, owner, ['aws', name, 'secretkey'], o.secretAccessKey),
    };
    return {
      provider: 'aws',
      storageService: 's3',
      name,
      supportedTypes,
      entry: compact({
        name,
        bucket: required(ctx, 'bucket', o.bucket, 'kayenta-results'),
        region: o.region,
        rootFolder: required(ctx, 'rootFolder', o.rootFolder ?? 'kayenta', 'kayenta'),
        endpoint: o.endpoint === undefined ? undefined : checkHttpUrl(ctx, 'endpoint', o.endpoint),
        explicitCredentials,
        supportedTypes,
      }),
    };
  }
}

class GcsStorage extends KayentaStorage {
  constructor(private readonly options: KayentaGcsStorageOptions) {
    super();
  }

  public _bind(ctx: KayentaStoreContext): KayentaAccount {
    const { name, supportedTypes } = storageCommon(ctx, this.options, 'gcs', 'GCS');
    const o = this.options;
    return {
      provider: 'google',
      storageService: 'gcs',
      name,
      supportedTypes,
      entry: compact({
        name,
        project: required(ctx, 'project', o.project, 'my-project'),
        jsonPath: o.jsonKey === undefined ? undefined : ctx.credentials.file(`${ctx.prop}.jsonKey`, `google account "${name}"`, ['google', name], o.jsonKey),
        bucket: required(ctx, 'bucket', o.bucket, 'kayenta-results'),
        bucketLocation: o.bucketLocation,
        rootFolder: required(ctx, 'rootFolder', o.rootFolder ?? 'kayenta', 'kayenta'),
        supportedTypes,
      }),
    };
  }
}

class MemoryStorage extends KayentaStorage {
  constructor(private readonly options: KayentaStorageCommonOptions) {
    super();
  }

  public _bind(ctx: KayentaStoreContext): KayentaAccount {
    const { name, supportedTypes } = storageCommon(ctx, this.options, 'memory');
    return { provider: 'memory', name, supportedTypes, entry: { name, supportedTypes } };
  }
}
