/**
 * The mount tables and router, after Vault's `vault/mount.go`, `vault/auth.go`
 * and `vault/router.go`: secrets engines live at `<path>/`, auth methods at
 * `auth/<path>/`; a request goes to the mount whose route prefix is the
 * longest prefix of its path (mounts never overlap, so there is at most one).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Backend, BackendFactory, SystemView } from '../sdk/framework.js';
import { goQuote } from '../sdk/go-text.js';
import { SYSTEM_DEFAULT_TTL, SYSTEM_MAX_TTL } from './token-store.js';

export type MountClass = 'secret' | 'auth';

export interface MountConfig {
  defaultLeaseTTL: number;
  maxLeaseTTL: number;
  forceNoCache: boolean;
  auditNonHmacRequestKeys: string[];
  auditNonHmacResponseKeys: string[];
  listingVisibility: string;
  passthroughRequestHeaders: string[];
  allowedResponseHeaders: string[];
  /** Auth mounts only: `default-service` unless tuned. */
  tokenType: string;
}

export interface MountEntry {
  /** The mount path as users name it, with a trailing slash: `secret/`, `approle/`. */
  path: string;
  /** What request paths start with: `secret/`, `auth/approle/`. */
  routePrefix: string;
  mountClass: MountClass;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  local: boolean;
  sealWrap: boolean;
  externalEntropyAccess: boolean;
  options: Record<string, string> | null;
  config: MountConfig;
  backend: Backend;
}

export interface MountRequest {
  path: string;
  type: string;
  description?: string;
  local?: boolean;
  sealWrap?: boolean;
  externalEntropyAccess?: boolean;
  options?: Record<string, string> | null;
  config?: Partial<MountConfig>;
}

export class MountError extends Error {}

/** Secrets-engine types whose name implies a KV version. */
const TYPE_ALIASES: Record<string, { type: string; version: string }> = {
  'kv-v1': { type: 'kv', version: '1' },
  'kv-v2': { type: 'kv', version: '2' },
};

/** Mount paths nobody may mount under (Vault's protectedMounts/ reserved prefixes). */
const PROTECTED_SECRET_PREFIXES = ['auth/', 'sys/', 'cubbyhole/', 'identity/'];

export class Router {
  private readonly entries = new Map<string, MountEntry>();
  private sorted: MountEntry[] = [];

  constructor(
    private readonly factories: {
      secret: Record<string, BackendFactory>;
      auth: Record<string, BackendFactory>;
    },
  ) {}

  /** The mount serving `path`, if any. */
  match(path: string): MountEntry | undefined {
    for (const entry of this.sorted) {
      if (path.startsWith(entry.routePrefix) || `${path}/` === entry.routePrefix) return entry;
    }
    return undefined;
  }

  byRoutePrefix(prefix: string): MountEntry | undefined {
    return this.entries.get(prefix);
  }

  list(mountClass: MountClass): MountEntry[] {
    return [...this.entries.values()]
      .filter((e) => e.mountClass === mountClass)
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  all(): MountEntry[] {
    return [...this.entries.values()];
  }

  /**
   * Enables a secrets engine or auth method; throws MountError with Vault's
   * messages. `builtin` mounts (sys/, cubbyhole/, identity/, token/) skip the
   * reserved-prefix check that keeps users off those paths.
   */
  mount(mountClass: MountClass, req: MountRequest, { builtin = false }: { builtin?: boolean } = {}): MountEntry {
    let path = req.path.replace(/^\/+/, '');
    if (!path.endsWith('/')) path += '/';
    if (path === '/') throw new MountError('path cannot be empty');
    let type = req.type;
    let options = req.options ? { ...req.options } : null;
    const alias = TYPE_ALIASES[type];
    if (alias) {
      type = alias.type;
      options = { ...(options ?? {}), version: alias.version };
    }
    if (options?.version !== undefined && type !== 'kv') {
      throw new MountError(`secrets engine ${goQuote(type)} does not allow setting a version`);
    }
    const routePrefix = mountClass === 'auth' ? `auth/${path}` : path;
    if (mountClass === 'secret' && !builtin) {
      for (const p of PROTECTED_SECRET_PREFIXES) {
        if (routePrefix.startsWith(p) || p.startsWith(routePrefix)) {
          throw new MountError(`cannot mount under ${goQuote(p)}`);
        }
      }
    }
    for (const existing of this.entries.values()) {
      if (routePrefix.startsWith(existing.routePrefix) || existing.routePrefix.startsWith(routePrefix)) {
        throw new MountError(`path is already in use at ${existing.path}`);
      }
    }
    const factory = this.factories[mountClass][type];
    if (!factory) {
      throw new MountError(
        mountClass === 'auth' ? `unknown backend type: ${goQuote(type)}` : `plugin not found in the catalog: ${type}`,
      );
    }
    if (type === 'kv' && !options?.version) options = { ...(options ?? {}), version: '1' };
    const config: MountConfig = {
      defaultLeaseTTL: req.config?.defaultLeaseTTL ?? 0,
      maxLeaseTTL: req.config?.maxLeaseTTL ?? 0,
      forceNoCache: req.config?.forceNoCache ?? false,
      auditNonHmacRequestKeys: req.config?.auditNonHmacRequestKeys ?? [],
      auditNonHmacResponseKeys: req.config?.auditNonHmacResponseKeys ?? [],
      listingVisibility: req.config?.listingVisibility ?? '',
      passthroughRequestHeaders: req.config?.passthroughRequestHeaders ?? [],
      allowedResponseHeaders: req.config?.allowedResponseHeaders ?? [],
      tokenType: mountClass === 'auth' ? (req.config?.tokenType ?? 'default-service') : '',
    };
    const system = systemViewOf(config);
    const entry: MountEntry = {
      path,
      routePrefix,
      mountClass,
      type,
      description: req.description ?? '',
      accessor: `${mountClass === 'auth' ? 'auth_' : ''}${type}_${randomBytes(4).toString('hex')}`,
      uuid: randomUUID(),
      local: req.local ?? false,
      sealWrap: req.sealWrap ?? false,
      externalEntropyAccess: req.externalEntropyAccess ?? false,
      options,
      config,
      backend: factory({ mountPoint: routePrefix, options: options ?? {}, system }),
    };
    this.entries.set(routePrefix, entry);
    this.resort();
    return entry;
  }

  /** Disables a mount; unknown paths are fine (Vault answers 204 either way). */
  unmount(mountClass: MountClass, path: string): MountEntry | undefined {
    let p = path.replace(/^\/+/, '');
    if (!p.endsWith('/')) p += '/';
    const routePrefix = mountClass === 'auth' ? `auth/${p}` : p;
    const entry = this.entries.get(routePrefix);
    if (entry) {
      this.entries.delete(routePrefix);
      this.resort();
    }
    return entry;
  }

  private resort(): void {
    this.sorted = [...this.entries.values()].sort((a, b) => b.routePrefix.length - a.routePrefix.length);
  }
}

/** The TTLs a mount's backend sees: the mount's tuning, else the system's. */
export function systemViewOf(config: MountConfig): SystemView {
  return {
    defaultLeaseTTL: () => {
      const max = config.maxLeaseTTL || SYSTEM_MAX_TTL;
      return Math.min(config.defaultLeaseTTL || SYSTEM_DEFAULT_TTL, max);
    },
    maxLeaseTTL: () => config.maxLeaseTTL || SYSTEM_MAX_TTL,
  };
}
