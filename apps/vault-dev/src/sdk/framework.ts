/**
 * The backend framework, after Vault's `sdk/framework`: a backend is a list of
 * path patterns (regular expressions relative to the mount, matched in order,
 * first match wins), each with typed fields, per-operation handlers and an
 * optional existence check that decides create-vs-update for writes.
 */
import { parseDurationSecond } from './duration.js';
import { errorResponse, unsupportedOperation, unsupportedPath } from './errors.js';
import {
  FieldError,
  parseBool,
  parseCommaIntSlice,
  parseCommaStringSlice,
  parseInt64,
  parseKVPairs,
  parseMap,
  parseString,
  parseStringSlice,
} from './fields.js';
import type { Persistable } from '../persist/persistable.js';
import { goQuote } from './go-text.js';
import type { Auth, Operation, Request, Response } from './logical.js';

export type FieldType =
  | 'string'
  | 'lowerCaseString'
  | 'nameString'
  | 'int'
  | 'bool'
  | 'durationSecond'
  | 'commaStringSlice'
  | 'stringSlice'
  | 'commaIntSlice'
  | 'map'
  | 'kvPairs';

export interface FieldSchema {
  type: FieldType;
  default?: unknown;
  description?: string;
}

export type FieldSchemas = Record<string, FieldSchema>;

/** Typed access to a request's parameters (body/query data overlaid with URL captures). */
export class FieldData {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly schema: FieldSchemas,
  ) {}

  /** The typed value, or the schema default, or the type's zero value. */
  get<T = unknown>(name: string): T {
    const value = this.getOk(name);
    if (value.ok) return value.value as T;
    const field = this.schema[name];
    if (!field) throw new Error(`field ${JSON.stringify(name)} not in the schema`);
    if (field.default !== undefined) return convert(field.type, field.default) as T;
    return zeroValue(field.type) as T;
  }

  /** Whether the caller sent the field, and its typed value. */
  getOk(name: string): { ok: true; value: unknown } | { ok: false } {
    const field = this.schema[name];
    if (!field) throw new Error(`field ${JSON.stringify(name)} not in the schema`);
    if (!(name in this.raw) || this.raw[name] === undefined) return { ok: false };
    return { ok: true, value: convert(field.type, this.raw[name]) };
  }

  has(name: string): boolean {
    return name in this.raw && this.raw[name] !== undefined;
  }

  /** Vault's FieldData.Validate: every supplied field must convert. */
  validate(): void {
    for (const [name, field] of Object.entries(this.schema)) {
      if (!(name in this.raw) || this.raw[name] === undefined) continue;
      try {
        convert(field.type, this.raw[name]);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw new FieldError(`error converting input for field ${goQuote(name)}: ${detail}`);
      }
    }
  }
}

const NAME_STRING = /^\w(([\w-.]+)?\w)?$/;

function convert(type: FieldType, raw: unknown): unknown {
  switch (type) {
    case 'string':
      return parseString(raw);
    case 'lowerCaseString':
      return parseString(raw).toLowerCase();
    case 'nameString': {
      const s = parseString(raw);
      if (s !== '' && !NAME_STRING.test(s)) throw new FieldError(`value ${goQuote(s)} is not a valid name`);
      return s;
    }
    case 'int':
      return parseInt64(raw);
    case 'bool':
      return parseBool(raw);
    case 'durationSecond':
      return parseDurationSecond(raw);
    case 'commaStringSlice':
      return parseCommaStringSlice(raw);
    case 'stringSlice':
      return parseStringSlice(raw);
    case 'commaIntSlice':
      return parseCommaIntSlice(raw);
    case 'map':
      return parseMap(raw);
    case 'kvPairs':
      return parseKVPairs(raw);
  }
}

function zeroValue(type: FieldType): unknown {
  switch (type) {
    case 'string':
    case 'lowerCaseString':
    case 'nameString':
      return '';
    case 'int':
    case 'durationSecond':
      return 0;
    case 'bool':
      return false;
    case 'commaStringSlice':
    case 'stringSlice':
    case 'commaIntSlice':
      return [];
    case 'map':
    case 'kvPairs':
      return {};
  }
}

export type OperationHandler = (req: Request, data: FieldData) => Promise<Response | null> | Response | null;

export interface PathSpec {
  /** Regular expression source, anchored at both ends like Vault's (`^`/`$` added when missing). */
  pattern: string;
  fields?: FieldSchemas;
  operations: Partial<Record<Operation, OperationHandler>>;
  existenceCheck?: (req: Request, data: FieldData) => Promise<boolean> | boolean;
  /** No unknown-parameter warnings and no field validation (KV data, sys/wrapping/wrap). */
  takesArbitraryInput?: boolean;
}

export interface SpecialPaths {
  /** Paths needing sudo. A trailing `*` is a prefix match. */
  root?: string[];
  /** Paths served without a token (logins). A trailing `*` is a prefix match. */
  unauthenticated?: string[];
}

export interface ExistenceResult {
  /** The matched path has an existence check. */
  checkFound: boolean;
  exists: boolean;
}

/** Mount-level settings a backend may consult (Vault's logical.SystemView). */
export interface SystemView {
  /** Seconds: the mount's default_lease_ttl, else the system default (768h). */
  defaultLeaseTTL(): number;
  /** Seconds: the mount's max_lease_ttl, else the system max (768h). */
  maxLeaseTTL(): number;
}

export interface BackendConfig {
  mountPoint: string;
  /** Mount options (`{"version":"2"}` for KV v2). */
  options: Record<string, string>;
  system: SystemView;
}

export type BackendFactory = (config: BackendConfig) => Backend;

/** What the core needs of a mounted backend. */
export interface Backend {
  readonly type: string;
  readonly specialPaths: SpecialPaths;
  handleRequest(req: Request): Promise<Response | null>;
  handleExistenceCheck(req: Request): Promise<ExistenceResult>;
  /**
   * For login paths: the identity alias a login request is for, before the
   * backend runs (Vault's alias lookahead; AppRole answers the role_id). The
   * core keys user lockout on it.
   */
  aliasLookahead?(req: Request): string | undefined;
  /** Re-validates a login token on renewal (AppRole re-reads the role). */
  renewAuth?(req: Request, auth: Auth): Promise<Auth>;
  /** Periodic housekeeping (AppRole's SecretID tidy). */
  periodic?(): Promise<void>;
  /** Vault's Backend.Cleanup: the mount is gone, let go of what it holds (connections, lease handlers). */
  cleanup?(): Promise<void>;
  /** The mount's state, saved and restored when the server has a data dir (see persist/persistable.ts). */
  readonly persistence?: Persistable | undefined;
}

interface CompiledPath {
  spec: PathSpec;
  re: RegExp;
}

/** A backend defined by path specs, routed and validated like Vault's framework.Backend. */
export class FrameworkBackend implements Backend {
  private readonly compiled: CompiledPath[];
  /** Set by the backend's factory when it has state worth keeping. */
  persistence?: Persistable | undefined;
  /** Set by the backend's factory when unmounting must release something. */
  cleanup?: (() => Promise<void>) | undefined;

  constructor(
    readonly type: string,
    paths: PathSpec[],
    readonly specialPaths: SpecialPaths = {},
  ) {
    this.compiled = paths.map((spec) => ({ spec, re: anchored(spec.pattern) }));
  }

  private route(relativePath: string): { spec: PathSpec; captures: Record<string, string> } | null {
    for (const { spec, re } of this.compiled) {
      const m = re.exec(relativePath);
      if (!m) continue;
      const captures: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) captures[k] = v;
      return { spec, captures };
    }
    return null;
  }

  private fieldData(req: Request, spec: PathSpec, captures: Record<string, string>) {
    const raw: Record<string, unknown> = { ...(req.data ?? {}) };
    const ignored: string[] = [];
    const replaced: string[] = [];
    for (const key of Object.keys(req.data ?? {})) {
      if (!spec.takesArbitraryInput && !(key in (spec.fields ?? {})) && !(key in captures)) ignored.push(key);
    }
    for (const [k, v] of Object.entries(captures)) {
      if (raw[k] !== undefined && raw[k] !== null) replaced.push(k);
      raw[k] = v;
    }
    return { data: new FieldData(raw, spec.fields ?? {}), ignored: ignored.sort(), replaced: replaced.sort() };
  }

  async handleExistenceCheck(req: Request): Promise<ExistenceResult> {
    const match = this.route(req.relativePath);
    if (!match || !match.spec.existenceCheck) return { checkFound: false, exists: false };
    const { data } = this.fieldData(req, match.spec, match.captures);
    try {
      data.validate();
    } catch {
      // A field that will not convert fails later with a proper message; treat as "does not exist".
      return { checkFound: true, exists: false };
    }
    return { checkFound: true, exists: await match.spec.existenceCheck(req, data) };
  }

  async handleRequest(req: Request): Promise<Response | null> {
    const match = this.route(req.relativePath);
    if (!match) throw unsupportedPath();
    const { spec, captures } = match;
    // Existence-checked paths serve create through the update handler when no create handler is given.
    const handler =
      spec.operations[req.operation] ??
      (req.operation === 'create' && spec.existenceCheck ? spec.operations.update : undefined);
    if (!handler) throw unsupportedOperation();
    const { data, ignored, replaced } = this.fieldData(req, spec, captures);
    if (!spec.takesArbitraryInput) {
      try {
        data.validate();
      } catch (err) {
        return errorResponse(`Field validation failed: ${(err as Error).message}`);
      }
    }
    const resp = await handler(req, data);
    if (resp && !resp.error && !resp.raw) {
      if (ignored.length > 0) {
        resp.warnings = [
          ...(resp.warnings ?? []),
          `Endpoint ignored these unrecognized parameters: [${ignored.join(' ')}]`,
        ];
      }
      if (replaced.length > 0) {
        resp.warnings = [
          ...(resp.warnings ?? []),
          `Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [${replaced.join(' ')}]`,
        ];
      }
    }
    return resp;
  }
}

function anchored(pattern: string): RegExp {
  const start = pattern.startsWith('^') ? '' : '^';
  const end = pattern.endsWith('$') ? '' : '$';
  return new RegExp(`${start}${pattern}${end}`);
}

/** Vault's framework.GenericNameRegex. */
export const genericNameRegex = (name: string): string => `(?<${name}>\\w(([\\w-.]+)?\\w)?)`;
/** Vault's framework.MatchAllRegex. */
export const matchAllRegex = (name: string): string => `(?<${name}>.*)`;
/** Vault's framework.OptionalParamRegex. */
export const optionalParamRegex = (name: string): string => `(/(?<${name}>.+))?`;

/** Whether `path` matches a special-path list entry (trailing `*` = prefix). */
export function matchesSpecialPath(list: readonly string[] | undefined, path: string): boolean {
  if (!list) return false;
  for (const entry of list) {
    if (entry.endsWith('*') ? path.startsWith(entry.slice(0, -1)) : path === entry) return true;
  }
  return false;
}
