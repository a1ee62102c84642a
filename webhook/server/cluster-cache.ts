/**
 * The server's Resolver: watch-backed caches (informers from @kubernetes/client-node) of the six
 * kinds the admission core reads, so an admission makes no API call (DESIGN.md §1, step 2).
 *
 * - Namespaces and ServiceAccounts (core/v1), ExternalSecrets, SecretStores,
 *   ClusterSecretStores and ClusterExternalSecrets (`alibabacloud.com/v1alpha1`, ack-secret-manager's CRDs).
 * - A miss falls back to ONE direct GET before answering "does not exist": a pod is often created
 *   right after its ServiceAccount or ExternalSecret (one `kubectl apply -f dir/`), and the watch
 *   event may not have arrived yet. A 404 from that GET is the answer; any other failure is an
 *   E_KUBE error (retryable), which the admission core turns into an `errored` response.
 * - The client's ListWatch stops for good after a list or watch error (cache.js `doneHandler`);
 *   each informer here restarts itself with capped exponential backoff. A CRD that is not
 *   installed yet (404 on list) is such an error: it is logged once per outage, clearly, and
 *   retried until ack-secret-manager or the chart installs it.
 * - `hasSynced()` is sticky, like client-go's `HasSynced`: once every kind has been listed the
 *   cache serves (possibly slightly stale) data through watch reconnects; the `cache_synced`
 *   gauge shows the live state per resource.
 */
import { CoreV1Api, CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1Namespace, type V1ServiceAccount } from '@kubernetes/client-node';
import { ErrorCode, InjectorError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { CRD_GROUP, CRD_VERSION, type ClusterExternalSecret, type ClusterSecretStore, type ExternalSecret, type SecretStore } from '../../contract/crd-types.ts';
import type { WebhookMetrics } from './metrics.ts';
import type { Resolver } from '../admission/resolver.ts';

/** The cached resources, by their plural (the `resource` label of the metrics). */
export const CachedResource = {
  NAMESPACES: 'namespaces',
  SERVICE_ACCOUNTS: 'serviceaccounts',
  EXTERNAL_SECRETS: 'externalsecrets',
  SECRET_STORES: 'secretstores',
  CLUSTER_SECRET_STORES: 'clustersecretstores',
  CLUSTER_EXTERNAL_SECRETS: 'clusterexternalsecrets',
} as const;
export type CachedResource = (typeof CachedResource)[keyof typeof CachedResource];

/** First retry delay after a list/watch error; doubles up to RETRY_MAX_MS (client-go's reflector backs off 800ms..30s, k8s.io/client-go/tools/cache/reflector.go). */
export const RETRY_BASE_MS = 1_000;
export const RETRY_MAX_MS = 30_000;

/** How one resource is listed, watched and fetched directly. */
interface ResourceAccess {
  resource: CachedResource;
  /** Watch path (collection URL across all namespaces). */
  path: string;
  crd: boolean;
  list: () => Promise<KubernetesListObject<KubernetesObject>>;
  get: (namespace: string, name: string) => Promise<KubernetesObject>;
}

/** HTTP status of an error from the generated client (`code`) or from Watch (`statusCode`). */
function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** A short, log-safe description of a client error (the generated client's message can embed whole response bodies). */
function describe(err: unknown): string {
  const status = httpStatus(err);
  const message = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err);
  return status === undefined ? message : `HTTP ${status}: ${message}`;
}

function accessFor(kubeConfig: KubeConfig): ResourceAccess[] {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const crd = (plural: CachedResource, namespaced: boolean): ResourceAccess => ({
    resource: plural,
    path: `/apis/${CRD_GROUP}/${CRD_VERSION}/${plural}`,
    crd: true,
    list: async () => (await custom.listClusterCustomObject({ group: CRD_GROUP, version: CRD_VERSION, plural })) as KubernetesListObject<KubernetesObject>,
    get: async (namespace, name) =>
      (namespaced
        ? await custom.getNamespacedCustomObject({ group: CRD_GROUP, version: CRD_VERSION, namespace, plural, name })
        : await custom.getClusterCustomObject({ group: CRD_GROUP, version: CRD_VERSION, plural, name })) as KubernetesObject,
  });
  return [
    {
      resource: CachedResource.NAMESPACES,
      path: '/api/v1/namespaces',
      crd: false,
      list: async () => await core.listNamespace(),
      get: async (_namespace, name) => await core.readNamespace({ name }),
    },
    {
      resource: CachedResource.SERVICE_ACCOUNTS,
      path: '/api/v1/serviceaccounts',
      crd: false,
      list: async () => await core.listServiceAccountForAllNamespaces(),
      get: async (namespace, name) => await core.readNamespacedServiceAccount({ namespace, name }),
    },
    crd(CachedResource.EXTERNAL_SECRETS, true),
    crd(CachedResource.SECRET_STORES, true),
    crd(CachedResource.CLUSTER_SECRET_STORES, false),
    crd(CachedResource.CLUSTER_EXTERNAL_SECRETS, false),
  ];
}

/**
 * Drops `metadata.managedFields` (server-side apply bookkeeping) in place. The admission core
 * never reads it, and it is often the largest part of a small object, so keeping it would
 * roughly double the memory a cluster's ServiceAccounts take in the cache.
 */
function slim(obj: KubernetesObject): void {
  if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
}

/** One informer with its own restart loop and sync state. */
class ResourceCache {
  readonly access: ResourceAccess;
  #informer: ReturnType<typeof makeInformer<KubernetesObject>>;
  #logger: Logger;
  #metrics: WebhookMetrics | undefined;
  #retryBaseMs: number;
  #retryMaxMs: number;
  #delayMs = 0;
  #synced = false;
  #stopped = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #listedThisRound = false;
  #failedThisRound = false;
  #outage = false;
  #syncWaiters: Array<() => void> = [];

  constructor(kubeConfig: KubeConfig, access: ResourceAccess, logger: Logger, metrics: WebhookMetrics | undefined, retryBaseMs: number, retryMaxMs: number) {
    this.access = access;
    this.#logger = logger.child({ resource: access.resource });
    this.#metrics = metrics;
    this.#retryBaseMs = retryBaseMs;
    this.#retryMaxMs = retryMaxMs;
    const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const result = await access.list();
      for (const item of result.items) slim(item);
      this.#listedThisRound = true;
      return result;
    };
    this.#informer = makeInformer(kubeConfig, access.path, list);
    this.#informer.on('error', (err?: unknown) => this.#onError(err));
    // Watch events reach these callbacks with the very object the cache stores.
    this.#informer.on('add', slim);
    this.#informer.on('update', slim);
    metrics?.cacheSynced.set({ resource: access.resource }, 0);
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Resolves once the first list has landed in the cache. */
  whenSynced(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  /**
   * One start attempt. Steps: 1. reset the round flags; 2. let the ListWatch list (if it has no
   * resourceVersion yet) and open the watch; 3. if the list landed, the cache is synced; if no
   * error fired during the round, the watch is live.
   */
  async start(): Promise<void> {
    if (this.#stopped) return;
    // 1.
    this.#listedThisRound = false;
    this.#failedThisRound = false;
    // 2. ListWatch reports list/watch failures through its error callback; anything thrown
    // before that (e.g. a kubeconfig exec credential plugin failing) takes the same path.
    try {
      await this.#informer.start();
    } catch (err) {
      this.#onError(err);
      return;
    }
    // 3.
    if (this.#listedThisRound && !this.#synced) {
      this.#synced = true;
      this.#logger.info({ objects: this.#informer.list().length }, 'cache synced');
      for (const w of this.#syncWaiters.splice(0)) w();
    }
    if (!this.#failedThisRound && !this.#stopped) {
      if (this.#outage) this.#logger.info('watch re-established');
      this.#outage = false;
      this.#delayMs = 0;
      this.#metrics?.cacheSynced.set({ resource: this.access.resource }, 1);
    }
  }

  #onError(err: unknown): void {
    this.#failedThisRound = true;
    this.#metrics?.cacheSynced.set({ resource: this.access.resource }, 0);
    if (this.#stopped) return;
    this.#delayMs = this.#delayMs === 0 ? this.#retryBaseMs : Math.min(this.#delayMs * 2, this.#retryMaxMs);
    const status = httpStatus(err);
    const fields = { err: describe(err), retryInMs: this.#delayMs };
    if (!this.#outage) {
      if (this.access.crd && status === 404) {
        this.#logger.warn(fields, `CustomResourceDefinition ${this.access.resource}.${CRD_GROUP} (${CRD_VERSION}) is not installed yet; install ack-secret-manager's CRDs or enable them in the chart. Retrying; the webhook stays unready until it is listed`);
      } else {
        this.#logger.error(fields, 'list/watch failed; retrying');
      }
    } else {
      this.#logger.debug(fields, 'list/watch still failing');
    }
    this.#outage = true;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.start();
    }, this.#delayMs);
    this.#retryTimer.unref();
  }

  /**
   * The cached object, or — on a miss — the result of one direct GET (404 → undefined).
   * Throws E_KUBE (retryable) when that GET fails otherwise.
   */
  async get<T>(namespace: string, name: string): Promise<T | undefined> {
    const hit = this.#informer.get(name, namespace === '' ? undefined : namespace);
    if (hit !== undefined) return hit as T;
    try {
      const obj = await this.access.get(namespace, name);
      this.#metrics?.cacheFallbackGets.inc({ resource: this.access.resource, result: 'found' });
      return obj as T;
    } catch (err) {
      if (httpStatus(err) === 404) {
        this.#metrics?.cacheFallbackGets.inc({ resource: this.access.resource, result: 'not-found' });
        return undefined;
      }
      this.#metrics?.cacheFallbackGets.inc({ resource: this.access.resource, result: 'error' });
      const where = namespace === '' ? name : `${namespace}/${name}`;
      throw new InjectorError(ErrorCode.KUBE, `reading ${this.access.resource} ${where} from the API server failed: ${describe(err)}`, {
        retryable: true,
        detail: { resource: this.access.resource, name: where },
      });
    }
  }

  /**
   * Every cached object. No fallback GET: a list has no single name to fetch, so an object created
   * a moment before the watch delivers it is not seen yet (the pod is denied and can be retried).
   */
  list<T>(): T[] {
    return this.#informer.list() as T[];
  }

  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    void this.#informer.stop();
    this.#metrics?.cacheSynced.set({ resource: this.access.resource }, 0);
  }
}

export interface ClusterCacheOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  metrics?: WebhookMetrics;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** Informer-backed Resolver for the webhook server. Call `start()` once, `stop()` on shutdown. */
export class ClusterCache implements Resolver {
  #caches: Map<CachedResource, ResourceCache>;

  constructor(options: ClusterCacheOptions) {
    const logger = options.logger.child({ component: 'cluster-cache' });
    this.#caches = new Map(
      accessFor(options.kubeConfig).map((a) => [
        a.resource,
        new ResourceCache(options.kubeConfig, a, logger, options.metrics, options.retryBaseMs ?? RETRY_BASE_MS, options.retryMaxMs ?? RETRY_MAX_MS),
      ]),
    );
  }

  /** Starts every informer; returns at once (each one retries on its own). */
  start(): void {
    for (const c of this.#caches.values()) void c.start();
  }

  /** True once every resource has been listed at least once (feeds `/readyz`). */
  hasSynced(): boolean {
    return [...this.#caches.values()].every((c) => c.synced);
  }

  /** Sync state per resource, for `/readyz` details and logs. */
  syncState(): Record<CachedResource, boolean> {
    return Object.fromEntries([...this.#caches].map(([r, c]) => [r, c.synced])) as Record<CachedResource, boolean>;
  }

  /** Resolves once every resource has synced. */
  async whenSynced(): Promise<void> {
    await Promise.all([...this.#caches.values()].map((c) => c.whenSynced()));
  }

  stop(): void {
    for (const c of this.#caches.values()) c.stop();
  }

  #cache(resource: CachedResource): ResourceCache {
    const c = this.#caches.get(resource);
    if (c === undefined) throw new InjectorError(ErrorCode.KUBE, `no cache for ${resource}`);
    return c;
  }

  namespace(name: string): Promise<V1Namespace | undefined> {
    return this.#cache(CachedResource.NAMESPACES).get<V1Namespace>('', name);
  }
  serviceAccount(namespace: string, name: string): Promise<V1ServiceAccount | undefined> {
    return this.#cache(CachedResource.SERVICE_ACCOUNTS).get<V1ServiceAccount>(namespace, name);
  }
  externalSecret(namespace: string, name: string): Promise<ExternalSecret | undefined> {
    return this.#cache(CachedResource.EXTERNAL_SECRETS).get<ExternalSecret>(namespace, name);
  }
  secretStore(namespace: string, name: string): Promise<SecretStore | undefined> {
    return this.#cache(CachedResource.SECRET_STORES).get<SecretStore>(namespace, name);
  }
  clusterSecretStore(name: string): Promise<ClusterSecretStore | undefined> {
    return this.#cache(CachedResource.CLUSTER_SECRET_STORES).get<ClusterSecretStore>('', name);
  }
  clusterExternalSecrets(): Promise<readonly ClusterExternalSecret[]> {
    return Promise.resolve(this.#cache(CachedResource.CLUSTER_EXTERNAL_SECRETS).list<ClusterExternalSecret>());
  }
}
