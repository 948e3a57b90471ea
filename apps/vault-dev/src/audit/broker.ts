/**
 * The audit broker, after Vault's `audit/broker.go` and `vault/audit.go`
 * (`enableAudit`, `disableAudit`): the table of enabled devices, fan-out of
 * every request and response entry to all of them, and `sys/audit-hash`.
 *
 * Failure policy (Vault's): an entry must reach at least one device. When
 * every device fails, `logRequest`/`logResponse` throw a VaultError
 * `internal error` (500), so the request fails instead of going unaudited.
 */
import { randomUUID } from 'node:crypto';
import { StateFormatError, objectEntry, type Persistable, type PersistedEntries } from '../persist/persistable.js';
import { VaultError } from '../sdk/errors.js';
import { goQuote } from '../sdk/go-text.js';
import { formatRFC3339Nano, nowNanos } from '../sdk/time.js';
import { AuditConfigError, AuditDevice, type FileSinkOptions } from './file-device.js';
import { AuditedHeaders } from './headers.js';
import type { AuditEvent, AuditSink } from './types.js';

export { AuditConfigError } from './file-device.js';

export interface AuditDeviceRequest {
  type: string;
  description?: string;
  options?: Record<string, string> | null;
  local?: boolean;
}

/** One row of `GET sys/audit` (keyed by path). */
export interface AuditDeviceInfo {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  path: string;
}

export interface AuditBrokerOptions {
  /** The entries' `time` field (RFC3339Nano, UTC); defaults to the wall clock in nanoseconds. */
  clock?: () => string;
  /** Writes for devices with `file_path=stdout`. */
  stdout?: (text: string) => void;
  /** Called when a device fails to write (the request still succeeds if another device wrote). */
  onDeviceError?: (path: string, err: Error) => void;
}

/** Vault's ErrInternalError text. */
const ERR_INTERNAL = 'internal error';

/** Adds the trailing slash Vault's audit table keys carry. */
export function normalizeDevicePath(path: string): string {
  const p = path.replace(/^\/+/, '');
  return p.endsWith('/') ? p : `${p}/`;
}

export class AuditBroker implements AuditSink, Persistable {
  /** Audited request headers (sys/config/auditing/request-headers). */
  readonly headers = new AuditedHeaders();
  private readonly devices = new Map<string, AuditDevice>();
  private readonly clock: () => string;
  private readonly sinkOptions: FileSinkOptions;
  private readonly onDeviceError: (path: string, err: Error) => void;

  constructor(options: AuditBrokerOptions = {}) {
    this.clock = options.clock ?? (() => formatRFC3339Nano(nowNanos()));
    this.sinkOptions = options.stdout ? { stdout: options.stdout } : {};
    this.onDeviceError = options.onDeviceError ?? (() => {});
  }

  enabled(): boolean {
    return this.devices.size > 0;
  }

  /**
   * Enables a device at `path` (Vault's enableAudit): rejects a path that
   * overlaps an enabled one, builds the device (unknown types and bad options
   * fail with Vault's messages), writes the test message (a path that cannot
   * be opened fails here), then registers it. Throws AuditConfigError.
   */
  enable(path: string, request: AuditDeviceRequest, restored?: { salt: string }): void {
    const devicePath = normalizeDevicePath(path);
    if (devicePath === '/') throw new AuditConfigError('backend path must be specified');
    for (const existing of this.devices.keys()) {
      if (existing.startsWith(devicePath) || devicePath.startsWith(existing)) {
        throw new AuditConfigError('path already in use');
      }
    }
    const device = new AuditDevice(
      {
        path: devicePath,
        type: request.type,
        description: request.description ?? '',
        options: { ...(request.options ?? {}) },
        local: request.local ?? false,
      },
      {
        headers: this.headers,
        clock: this.clock,
        newRequestId: randomUUID,
        sink: this.sinkOptions,
        ...(restored ? { salt: restored.salt } : {}),
      },
    );
    try {
      // Vault probes a device when it is enabled, not when it is set up again at unseal.
      if (!restored) device.logTestMessage();
    } catch (err) {
      device.close();
      throw new AuditConfigError(`audit backend failed test message: ${(err as Error).message}`);
    }
    this.devices.set(devicePath, device);
  }

  /** Disables the device at `path`; false when none was there (Vault answers 204 either way). */
  disable(path: string): boolean {
    const devicePath = normalizeDevicePath(path);
    const device = this.devices.get(devicePath);
    if (!device) return false;
    this.devices.delete(devicePath);
    device.close();
    return true;
  }

  /** The audit table as `GET sys/audit` shows it, keyed by path. */
  list(): Record<string, AuditDeviceInfo> {
    const out: Record<string, AuditDeviceInfo> = {};
    for (const path of [...this.devices.keys()].sort()) {
      const { config } = this.devices.get(path) as AuditDevice;
      out[path] = {
        type: config.type,
        description: config.description,
        options: { ...config.options },
        local: config.local,
        path: config.path,
      };
    }
    return out;
  }

  /** HMAC of `input` with the device's salt (sys/audit-hash); throws Vault's error for an unknown device. */
  hash(path: string, input: string): string {
    const devicePath = normalizeDevicePath(path);
    const device = this.devices.get(devicePath);
    if (!device) throw new AuditConfigError(`unknown audit backend ${goQuote(devicePath)}`);
    return device.hash(input);
  }

  logRequest(event: AuditEvent): void {
    this.fanOut((device) => device.logRequest(event));
  }

  logResponse(event: AuditEvent): void {
    this.fanOut((device) => device.logResponse(event));
  }

  /** Reopens every file (Vault's SIGHUP reload), e.g. after log rotation. */
  reopen(): void {
    for (const device of this.devices.values()) device.sink.reopen();
  }

  /** `device/<path>` per device (its table entry and salt, so audit hashes stay stable) and `headers`. */
  snapshot(): PersistedEntries {
    const out: PersistedEntries = { headers: this.headers.list() as unknown as PersistedEntries };
    for (const [path, device] of this.devices) {
      out[`device/${path}`] = {
        type: device.config.type,
        description: device.config.description,
        options: { ...device.config.options },
        local: device.config.local,
        salt: device.salt.salt,
      };
    }
    return out;
  }

  /** Re-enables the saved devices (their files are opened again); a device that cannot start stops start-up. */
  restore(entries: PersistedEntries): void {
    const headers = entries['headers'];
    if (headers !== undefined) {
      for (const name of Object.keys(this.headers.list())) this.headers.remove(name);
      for (const [name, s] of Object.entries(objectEntry(headers, 'audited headers'))) {
        this.headers.set(name, objectEntry(s, 'audited header')['hmac'] === true);
      }
    }
    for (const [key, value] of Object.entries(entries)) {
      if (!key.startsWith('device/')) continue;
      const saved = objectEntry(value, 'audit device');
      const path = key.slice('device/'.length);
      try {
        this.enable(
          path,
          {
            type: String(saved['type']),
            description: String(saved['description'] ?? ''),
            options: objectEntry(saved['options'] ?? {}, 'audit options') as Record<string, string>,
            local: saved['local'] === true,
          },
          { salt: String(saved['salt']) },
        );
      } catch (err) {
        throw new StateFormatError(`audit device ${path} cannot be enabled again: ${(err as Error).message}`);
      }
    }
  }

  /** Closes every device's file. */
  close(): void {
    for (const device of this.devices.values()) device.close();
    this.devices.clear();
  }

  private fanOut(write: (device: AuditDevice) => void): void {
    if (this.devices.size === 0) return;
    let logged = false;
    for (const [path, device] of this.devices) {
      try {
        write(device);
        logged = true;
      } catch (err) {
        this.onDeviceError(path, err instanceof Error ? err : new Error(String(err)));
      }
    }
    if (!logged) throw new VaultError(ERR_INTERNAL, 'internal');
  }
}
