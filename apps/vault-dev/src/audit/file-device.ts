/**
 * The `file` audit device, after Vault's `audit/backend_file.go` and
 * `internal/observability/event/sink_file.go`: one entry per write, appended
 * synchronously (so a test can read the line as soon as the HTTP answer
 * arrives), the file created with mode 0600 (option `mode`, octal; `0000`
 * keeps the existing file's mode), missing directories created with the same
 * mode, `stdout` and `discard` as special paths. A failed write is retried
 * once after reopening the file, as Vault does.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { goQuote } from '../sdk/go-text.js';
import {
  DEFAULT_FORMATTER_CONFIG,
  formatRequest,
  formatResponse,
  formatTestProbe,
  serializeEntry,
  type AuditFormat,
  type FormatterConfig,
} from './format.js';
import { AuditSalt } from './hash.js';
import type { AuditedHeaders } from './headers.js';
import type { AuditEvent } from './types.js';

/** A configuration error, reported to the client verbatim (400), as Vault's enable errors are. */
export class AuditConfigError extends Error {
  override readonly name = 'AuditConfigError';
}

/** Vault's audit.ErrExternalOptions text. */
const INVALID_CONFIGURATION = 'invalid configuration';
/** Vault's event.ErrInvalidParameter text. */
const INVALID_PARAMETER = 'invalid parameter';
const DEFAULT_FILE_MODE = 0o600;
const ENTERPRISE_ONLY_OPTIONS = ['fallback', 'filter', 'exclude'];

/** Where the device writes. */
export interface Sink {
  readonly kind: 'file' | 'stdout' | 'discard';
  write(text: string): void;
  reopen(): void;
  close(): void;
}

export interface FileSinkOptions {
  /** Writes for `file_path=stdout`; defaults to the process's stdout. */
  stdout?: (text: string) => void;
}

/** Go's strconv.ParseBool. */
function parseGoBool(raw: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
  return undefined;
}

/** Vault's newFormatterConfig: the formatting options of a device, with Vault's errors. */
export function parseFormatterConfig(options: Readonly<Record<string, string>>): FormatterConfig {
  const config: FormatterConfig = { ...DEFAULT_FORMATTER_CONFIG };
  const format = options['format'];
  if (format !== undefined) {
    if (format !== 'json' && format !== 'jsonx')
      throw new AuditConfigError(`unsupported "format": ${INVALID_CONFIGURATION}`);
    config.format = format as AuditFormat;
  }
  const bool = (key: string): boolean | undefined => {
    const raw = options[key];
    if (raw === undefined) return undefined;
    const v = parseGoBool(raw);
    if (v === undefined) throw new AuditConfigError(`unable to parse ${goQuote(key)}: ${INVALID_CONFIGURATION}`);
    return v;
  };
  const hmacAccessor = bool('hmac_accessor');
  if (hmacAccessor !== undefined) config.hmacAccessor = hmacAccessor;
  const raw = bool('log_raw');
  if (raw !== undefined) config.raw = raw;
  const elide = bool('elide_list_responses');
  if (elide !== undefined) config.elideListResponses = elide;
  if (options['prefix'] !== undefined) config.prefix = options['prefix'];
  return config;
}

/** Go's text for a failed syscall, from a Node error. */
function goErrno(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return code === 'EPERM' ? 'operation not permitted' : 'permission denied';
    case 'ENOENT':
      return 'no such file or directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'EEXIST':
      return 'file exists';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EMFILE':
      return 'too many open files';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

function syscallPath(err: unknown, fallback: string): string {
  const p = (err as NodeJS.ErrnoException | undefined)?.path;
  return typeof p === 'string' ? p : fallback;
}

class FileSink implements Sink {
  readonly kind = 'file' as const;
  private fd: number | undefined;

  constructor(
    private readonly path: string,
    private readonly mode: number,
  ) {}

  /** Vault's FileSink.open (error texts as Vault's, without the op prefixes). */
  private open(): void {
    if (this.fd !== undefined) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: this.mode });
    } catch (err) {
      // Go's MkdirAll reports a non-directory in the way as ENOTDIR; Node's recursive mkdir says EEXIST.
      const reason = (err as NodeJS.ErrnoException).code === 'EEXIST' ? 'not a directory' : goErrno(err);
      throw new Error(
        `event.(FileSink).open: unable to create file ${goQuote(this.path)}: mkdir ${syscallPath(err, dirname(this.path))}: ${reason}`,
      );
    }
    try {
      this.fd = openSync(this.path, 'a', this.mode);
    } catch (err) {
      throw new Error(`event.(FileSink).open: unable to open file for sink: open ${this.path}: ${goErrno(err)}`);
    }
    if (this.path !== '/dev/null' && this.mode !== 0) {
      try {
        chmodSync(this.path, this.mode);
      } catch (err) {
        throw new Error(
          `event.(FileSink).open: unable to change file ${goQuote(this.path)} permissions '${goFileMode(this.mode)}' for sink: chmod ${this.path}: ${goErrno(err)}`,
        );
      }
    }
  }

  write(text: string): void {
    const buf = Buffer.from(text, 'utf8');
    try {
      try {
        this.open();
      } catch (err) {
        throw new Error(`event.(FileSink).log: unable to open file for sink: ${(err as Error).message}`);
      }
      try {
        writeAll(this.fd as number, buf);
        return;
      } catch {
        // Vault reopens the file once and retries the write.
      }
      this.closeQuietly();
      try {
        this.open();
      } catch (err) {
        throw new Error(`event.(FileSink).log: unable to re-open file for sink: ${(err as Error).message}`);
      }
      try {
        writeAll(this.fd as number, buf);
      } catch (err) {
        throw new Error(
          `event.(FileSink).log: unable to re-write to file for sink: write ${this.path}: ${goErrno(err)}`,
        );
      }
    } catch (err) {
      throw new Error(`event.(FileSink).Process: error writing file for sink: ${(err as Error).message}`);
    }
  }

  reopen(): void {
    this.closeQuietly();
    this.open();
  }

  close(): void {
    this.closeQuietly();
  }

  private closeQuietly(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed or gone; the next write reopens.
    }
    this.fd = undefined;
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let offset = 0;
  while (offset < buf.length) offset += writeSync(fd, buf, offset, buf.length - offset);
}

/** Go's os.FileMode String() for permission bits (e.g. `-rw-------`). */
function goFileMode(mode: number): string {
  const rwx = 'rwxrwxrwx';
  let out = '-';
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? rwx[i] : '-';
  return out;
}

class StdoutSink implements Sink {
  readonly kind = 'stdout' as const;
  constructor(private readonly out: (text: string) => void) {}
  write(text: string): void {
    this.out(text);
  }
  reopen(): void {}
  close(): void {}
}

class DiscardSink implements Sink {
  readonly kind = 'discard' as const;
  write(): void {}
  reopen(): void {}
  close(): void {}
}

function defaultStdout(text: string): void {
  try {
    writeAll(1, Buffer.from(text, 'utf8'));
  } catch {
    process.stdout.write(text);
  }
}

/** Vault's newFileBackend sink setup: the path (`file_path`, or the legacy `path`) and `mode`. */
export function createFileSink(options: Readonly<Record<string, string>>, sinkOptions: FileSinkOptions = {}): Sink {
  const rawPath = options['file_path'] ?? options['path'];
  if (rawPath === undefined) throw new AuditConfigError(`"file_path" is required: ${INVALID_CONFIGURATION}`);
  const path = rawPath.trim();
  if (path === '') throw new AuditConfigError(`file path is required: ${INVALID_CONFIGURATION}`);
  if (path.toLowerCase() === 'stdout') return new StdoutSink(sinkOptions.stdout ?? defaultStdout);
  if (path.toLowerCase() === 'discard') return new DiscardSink();

  let mode = DEFAULT_FILE_MODE;
  const rawMode = options['mode']?.trim();
  const failed = (detail: string): AuditConfigError =>
    new AuditConfigError(`file sink creation failed for path ${goQuote(path)}: event.NewFileSink: ${detail}`);
  if (rawMode) {
    if (!/^[0-7]+$/.test(rawMode)) {
      throw failed(
        `error applying options: unable to parse file mode: ${INVALID_PARAMETER}: strconv.ParseUint: parsing ${goQuote(rawMode)}: invalid syntax`,
      );
    }
    const parsed = Number.parseInt(rawMode, 8);
    if (parsed > 0xffffffff) {
      throw failed(
        `error applying options: unable to parse file mode: ${INVALID_PARAMETER}: strconv.ParseUint: parsing ${goQuote(rawMode)}: value out of range`,
      );
    }
    if (parsed === 0) {
      // "0000": keep the existing file's mode.
      try {
        mode = statSync(path).mode & 0o7777;
      } catch (err) {
        throw failed(`unable to determine existing file mode: stat ${path}: ${goErrno(err)}`);
      }
    } else {
      mode = parsed & 0o7777;
    }
  }
  return new FileSink(path, mode);
}

export interface DeviceConfig {
  /** Device path with a trailing slash (`file/`). */
  path: string;
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
}

export interface DeviceDeps {
  headers: AuditedHeaders;
  /** The entry `time` (RFC3339Nano UTC). */
  clock: () => string;
  newRequestId: () => string;
  sink?: FileSinkOptions;
  /** The device's salt when it is re-created from saved state (a fresh one otherwise). */
  salt?: string;
}

/** An enabled audit device: its table entry, salt, formatter and sink. */
export class AuditDevice {
  readonly salt: AuditSalt;
  readonly formatter: FormatterConfig;
  readonly sink: Sink;

  constructor(
    readonly config: DeviceConfig,
    private readonly deps: DeviceDeps,
  ) {
    this.salt = new AuditSalt(deps.salt);
    if (config.type !== 'file') throw new AuditConfigError(`unknown backend type: ${goQuote(config.type)}`);
    const enterprise = ENTERPRISE_ONLY_OPTIONS.filter((o) => o in config.options);
    if (enterprise.length > 0) throw new AuditConfigError(`enterprise-only options supplied: ${INVALID_CONFIGURATION}`);
    if (config.options['file_path'] === undefined && config.options['path'] === undefined) {
      throw new AuditConfigError(`"file_path" is required: ${INVALID_CONFIGURATION}`);
    }
    this.formatter = parseFormatterConfig(config.options);
    this.sink = createFileSink(config.options, deps.sink);
  }

  /** The identified HMAC with this device's salt (sys/audit-hash). */
  hash(input: string): string {
    return this.salt.identifiedHmac(input);
  }

  /** Vault's LogTestMessage: the probe entry, written before the device is registered. */
  logTestMessage(): void {
    if (this.config.options['skip_test'] === 'true') return;
    const entry = formatTestProbe(this.deps.newRequestId(), this.deps.clock());
    this.sink.write(serializeEntry(entry, this.formatter));
  }

  logRequest(event: AuditEvent): void {
    const entry = formatRequest(event, this.context());
    this.sink.write(serializeEntry(entry, this.formatter));
  }

  logResponse(event: AuditEvent): void {
    const entry = formatResponse(event, this.context());
    this.sink.write(serializeEntry(entry, this.formatter));
  }

  close(): void {
    this.sink.close();
  }

  private context() {
    return {
      config: this.formatter,
      hmac: (s: string) => this.salt.identifiedHmac(s),
      time: this.deps.clock(),
      headers: this.deps.headers,
    };
  }
}
