/**
 * Accepting Vault's non-standard `LIST` HTTP method on top of Node's `http.Server`.
 *
 * Vault clients (`curl -X LIST`, node-vault's `list()`, the Go SDK) send `LIST`; Vault treats it
 * as the list operation. Node's llhttp rejects unknown methods with `HPE_INVALID_METHOD` before any
 * user code runs, and `insecureHTTPParser` does not relax that. So the bytes each connection
 * receives are rewritten before llhttp sees them: a request line starting with `LIST ` becomes
 * `GET `, and the handler learns the original method from {@link originalMethod}. Everything else
 * (parsing, keep-alive, pipelining, timeouts, 400/431 answers, `close()` bookkeeping) stays Node's.
 *
 * Design, and why not the obvious Duplex wrapper:
 * - Node's server gets the *real* `net.Socket`. Its reads are intercepted at `socket.push`, the
 *   single point where net hands every received buffer (and EOF) to the stream; an own `push`
 *   runs the bytes through the rewriter and forwards the pieces to the real `push`, from where
 *   they reach 'data' and Node's parser. By default Node lets llhttp consume the native handle
 *   directly (no JS on the read path at all); attaching a 'data' listener is Node's own switch back
 *   to 'data' events, and that switch is what makes the rewrite possible.
 * - A Duplex wrapper handed to `emit('connection')` works too (an earlier version of this module
 *   did that), but it has to imitate a socket (`remoteAddress` for CIDR checks, `setTimeout`,
 *   `destroySoon`, flushing before destroy, backpressure both ways) and costs a second stream layer
 *   per write. Measured against plain Node with a trivial handler (server CPU per request), the
 *   unavoidable part, Node's 'data'-event read path, costs about +10-30%; the push hook adds
 *   2-5% on top of that, the Duplex 5-20% (most with request bodies). And with the real socket,
 *   `req.socket` is exactly what Node gives everywhere else. If a future Node stopped calling `push` or consuming-then-unconsuming,
 *   LIST would get Node's 400 and this module's tests would fail; bytes would never be corrupted.
 * - The rewrite needs to know where each request head starts, so a small HTTP/1.1 framing tracker
 *   ({@link ListMethodRewriter}) scans request heads only (up to the empty line) and skips bodies
 *   by count (Content-Length, or chunked with extensions and trailers), never copying them. The
 *   rewrite is zero-copy when the method is inside one chunk: `LIST /` becomes `GET /` by
 *   overwriting three bytes and starting the forwarded slice one byte later.
 * - The tracker only ever *adds* acceptance: whenever it meets something it cannot frame exactly as
 *   llhttp does (bare LF, stray CR, obs-fold, duplicate or odd Content-Length, a Transfer-Encoding
 *   other than a single `...chunked`, Content-Length with Transfer-Encoding, `Upgrade`, `CONNECT`,
 *   `PRI`, a bad chunk size, an over-long head or chunk extension), it stops tracking that
 *   connection and passes every further byte through unmodified. llhttp then answers exactly as
 *   without this module (400/431 and close for bad input); the only loss is that a later pipelined
 *   `LIST` on that same connection gets Node's 400. The parser is forced strict
 *   (`insecureHTTPParser: false`) so that "llhttp accepts it" and "the tracker frames it" agree.
 * - The original method reaches the request through a per-connection FIFO of "was this head LIST?"
 *   flags, pushed by the tracker before the head's bytes go on, and taken in the constructor of a
 *   custom `IncomingMessage` class (the documented `IncomingMessage` server option). Node builds
 *   one per parsed request head, in order, whether or not it emits `'request'` for it (missing
 *   Host, a failed `Expect`, ...), so the FIFO cannot drift. If llhttp rejects a head, Node
 *   destroys the connection and nothing later is parsed.
 */
import http from 'node:http';
import type net from 'node:net';

// ---------------------------------------------------------------------------------------------
// Framing tracker
// ---------------------------------------------------------------------------------------------

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const SEMICOLON = 0x3b;

/** RFC 9110 `tchar`: the bytes a method or header name may contain. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TCHAR[c.charCodeAt(0)] = 1;
}
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

const GET = Buffer.from('GET', 'latin1');
const ascii = (s: string): readonly number[] => Array.from(s, (c) => c.charCodeAt(0));
const LIST = ascii('LIST');
const CONNECT = ascii('CONNECT');
const PRI = ascii('PRI');
const HTTP_SLASH = ascii('HTTP/');
/** Longer than any method llhttp knows (`VERSION-CONTROL` is 15). */
const MAX_METHOD = 24;
/** A chunk size above this is not something a client sends; llhttp itself allows up to 2^64. */
const MAX_CHUNK_SIZE = 2 ** 48;
/** Leading zeros included. */
const MAX_CHUNK_DIGITS = 32;
/** Per chunk-size line; Node caps extensions at 16 KiB per message (HPE_CHUNK_EXTENSIONS_OVERFLOW). */
const MAX_CHUNK_EXTENSION = 20 * 1024;

const S_START = 0; // before a request (llhttp skips CR/LF here too)
const S_METHOD = 1; // inside the method token
const S_LINE = 2; // request line, header or trailer line
const S_BODY = 3; // Content-Length body bytes
const S_CHUNK_SIZE = 4;
const S_CHUNK_EXT = 5;
const S_CHUNK_SIZE_LF = 6;
const S_CHUNK_DATA = 7;
const S_CHUNK_DATA_CR = 8;
const S_CHUNK_DATA_LF = 9;
const S_PASS = 10; // lost (or gave up) framing: everything passes through unmodified

const TE_NONE = 0;
const TE_CHUNKED = 1;
const TE_OTHER = 2;

export interface ListMethodRewriterOptions {
  /** Node's `maxHeaderSize` for the server; bounds what the tracker buffers per head. */
  maxHeaderSize?: number;
}

/**
 * Streaming HTTP/1.1 request framing tracker that rewrites `LIST ` request lines to `GET `.
 *
 * Feed it the bytes of one connection, in order, with {@link write}; it hands the (possibly
 * rewritten) bytes to `out` in order and calls `onHead(isList)` once per request head it frames,
 * before any byte of that head reaches `out`. It never throws on input, holds back at most the
 * method token of a head, and buffers at most one head line (bounded). Input chunks may be
 * modified in place (three bytes when a `LIST` is rewritten), so do not reuse them.
 *
 * Exported for tests; servers use {@link createListAwareServer}.
 */
export class ListMethodRewriter {
  private state = S_START;
  /** Method bytes held back across a chunk boundary (a copy; at most MAX_METHOD bytes). */
  private pending: Buffer | null = null;
  /** Where the method starts in the chunk being processed (0 when continuing `pending`). */
  private methodStart = 0;
  /** A head/trailer line that spans chunks (a copy; bounded by headLimit). */
  private lineBuf: Buffer = Buffer.alloc(0);
  private lineLen = 0;
  private headBytes = 0;
  private readonly headLimit: number;
  private requestLine = false;
  private inTrailer = false;
  private contentLength = -1;
  private transferEncoding = TE_NONE;
  private upgrade = false;
  private remaining = 0;
  private chunkSize = 0;
  private chunkDigits = 0;
  private extensionBytes = 0;

  constructor(
    private readonly out: (bytes: Buffer) => void,
    private readonly onHead: (isList: boolean) => void,
    options: ListMethodRewriterOptions = {},
  ) {
    const maxHeaderSize = options.maxHeaderSize ?? http.maxHeaderSize;
    // llhttp counts only URL, names and values against maxHeaderSize; the tracker counts every
    // byte of the head, so give it room. Past this the head is passed through and llhttp decides.
    this.headLimit = 2 * maxHeaderSize + 8192;
  }

  /** True once the tracker passes everything through unmodified (for tests and diagnostics). */
  get passthrough(): boolean {
    return this.state === S_PASS;
  }

  /** True when every byte seen so far belongs to complete requests (CR/LF between them aside). */
  get atRequestBoundary(): boolean {
    return this.state === S_START;
  }

  write(chunk: Buffer): void {
    if (this.state === S_PASS) {
      if (chunk.length > 0) this.out(chunk);
      return;
    }
    const len = chunk.length;
    let pos = 0;
    /** Start of the bytes of `chunk` not yet handed to `out`. */
    let seg = 0;
    if (this.state === S_METHOD) this.methodStart = 0;

    while (pos < len) {
      switch (this.state) {
        case S_PASS:
          pos = len;
          break;

        case S_BODY:
        case S_CHUNK_DATA: {
          const n = Math.min(this.remaining, len - pos);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = this.state === S_BODY ? S_START : S_CHUNK_DATA_CR;
          break;
        }

        case S_START: {
          const b = chunk[pos];
          if (b === CR || b === LF) {
            pos++;
            break;
          }
          this.state = S_METHOD;
          this.methodStart = pos;
          break;
        }

        case S_METHOD: {
          // Here pos === methodStart; scan at most one byte past the longest method.
          const held = this.pending === null ? 0 : this.pending.length;
          const stop = Math.min(len, pos + MAX_METHOD + 1 - held);
          let i = pos;
          while (i < stop && TCHAR[chunk[i]!] === 1) i++;
          const methodLen = held + (i - this.methodStart);
          if (methodLen > MAX_METHOD) {
            this.giveUp();
            break;
          }
          if (i === len) {
            // The method continues in the next chunk: hold its bytes back.
            this.emit(chunk, seg, this.methodStart);
            const tail = chunk.subarray(this.methodStart);
            this.pending = this.pending === null ? Buffer.from(tail) : Buffer.concat([this.pending, tail]);
            seg = pos = len;
            break;
          }
          if (chunk[i] !== SP || methodLen === 0) {
            this.giveUp();
            break;
          }
          // The method's bytes: in place, or (rarely) joined with the held-back part.
          let method = chunk;
          let m = this.methodStart;
          if (this.pending !== null) {
            method = Buffer.concat([this.pending, chunk.subarray(0, i)]);
            m = 0;
          }
          const isList = methodLen === 4 && isAt(method, m, LIST);
          const isTunnel = (methodLen === 7 && isAt(method, m, CONNECT)) || (methodLen === 3 && isAt(method, m, PRI));
          this.onHead(isList);
          if (isList) {
            if (this.pending !== null) {
              // `seg` is 0 here: the held bytes precede everything in this chunk.
              this.out(GET);
              seg = i;
            } else {
              this.emit(chunk, seg, m);
              chunk[m + 1] = 0x47; // G
              chunk[m + 2] = 0x45; // E
              chunk[m + 3] = 0x54; // T
              seg = m + 1;
            }
            this.pending = null;
          } else if (this.pending !== null) {
            this.out(this.pending);
            this.pending = null;
          }
          pos = i + 1;
          if (isTunnel) {
            // CONNECT tunnels and the HTTP/2 preface are not HTTP/1.1 framing.
            this.state = S_PASS;
            break;
          }
          this.state = S_LINE;
          this.requestLine = true;
          this.inTrailer = false;
          this.headBytes = methodLen + 1;
          this.lineLen = 0;
          this.contentLength = -1;
          this.transferEncoding = TE_NONE;
          this.upgrade = false;
          break;
        }

        case S_LINE: {
          // Head lines are short: a plain loop beats a native indexOf call here, and the loop is
          // bounded by headLimit.
          const stop = Math.min(len, pos + this.headLimit + 1 - this.headBytes);
          let lf = pos;
          while (lf < stop && chunk[lf] !== LF) lf++;
          this.headBytes += lf - pos + (lf < stop ? 1 : 0);
          if (this.headBytes > this.headLimit) {
            this.giveUp();
            break;
          }
          if (lf === len) {
            this.appendLine(chunk, pos, len);
            pos = len;
            break;
          }
          let ok: boolean;
          if (this.lineLen > 0) {
            this.appendLine(chunk, pos, lf);
            ok = this.onLine(this.lineBuf, 0, this.lineLen);
            this.lineLen = 0;
            if (this.lineBuf.length > 4096) this.lineBuf = Buffer.alloc(0); // don't keep a big one per connection
          } else {
            ok = this.onLine(chunk, pos, lf);
          }
          pos = lf + 1;
          if (!ok) this.giveUp();
          break;
        }

        case S_CHUNK_SIZE: {
          let i = pos;
          while (i < len) {
            const h = HEX[chunk[i]!]!;
            if (h < 0) break;
            this.chunkSize = this.chunkSize * 16 + h;
            this.chunkDigits++;
            i++;
            if (this.chunkSize > MAX_CHUNK_SIZE || this.chunkDigits > MAX_CHUNK_DIGITS) break;
          }
          pos = i;
          if (this.chunkSize > MAX_CHUNK_SIZE || this.chunkDigits > MAX_CHUNK_DIGITS) {
            this.giveUp();
            break;
          }
          if (i === len) break;
          const b = chunk[i];
          if (this.chunkDigits === 0) {
            this.giveUp();
          } else if (b === CR) {
            this.state = S_CHUNK_SIZE_LF;
            pos++;
          } else if (b === SEMICOLON) {
            this.state = S_CHUNK_EXT;
            this.extensionBytes = 0;
            pos++;
          } else {
            this.giveUp();
          }
          break;
        }

        case S_CHUNK_EXT: {
          let i = pos;
          const stop = Math.min(len, pos + MAX_CHUNK_EXTENSION + 1 - this.extensionBytes);
          while (i < stop) {
            const b = chunk[i];
            if (b === CR || b === LF) break;
            i++;
          }
          this.extensionBytes += i - pos;
          pos = i;
          if (this.extensionBytes > MAX_CHUNK_EXTENSION) {
            this.giveUp();
            break;
          }
          if (i === len) break;
          if (chunk[i] === CR) {
            this.state = S_CHUNK_SIZE_LF;
            pos++;
          } else {
            this.giveUp(); // bare LF
          }
          break;
        }

        case S_CHUNK_SIZE_LF: {
          if (chunk[pos] !== LF) {
            this.giveUp();
            break;
          }
          pos++;
          if (this.chunkSize === 0) {
            this.state = S_LINE;
            this.inTrailer = true;
            this.requestLine = false;
            this.headBytes = 0;
            this.lineLen = 0;
          } else {
            this.state = S_CHUNK_DATA;
            this.remaining = this.chunkSize;
          }
          break;
        }

        case S_CHUNK_DATA_CR:
          if (chunk[pos] !== CR) {
            this.giveUp();
            break;
          }
          pos++;
          this.state = S_CHUNK_DATA_LF;
          break;

        case S_CHUNK_DATA_LF:
          if (chunk[pos] !== LF) {
            this.giveUp();
            break;
          }
          pos++;
          this.state = S_CHUNK_SIZE;
          this.chunkSize = 0;
          this.chunkDigits = 0;
          break;

        default:
          this.giveUp();
      }
    }
    this.emit(chunk, seg, len);
  }

  /** The connection's input ended: release any held-back bytes. */
  end(): void {
    if (this.pending !== null) {
      const pending = this.pending;
      this.pending = null;
      this.out(pending);
    }
    this.state = S_PASS;
  }

  private emit(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.out(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
  }

  /**
   * Stop tracking: from here on every byte passes through unmodified. Held-back method bytes go
   * out first; they precede everything of the current chunk (they are only held at a chunk end).
   */
  private giveUp(): void {
    this.state = S_PASS;
    this.lineLen = 0;
    this.lineBuf = Buffer.alloc(0);
    if (this.pending !== null) {
      const pending = this.pending;
      this.pending = null;
      this.out(pending);
    }
  }

  private appendLine(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    const need = this.lineLen + n;
    if (need > this.lineBuf.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(need, 2 * this.lineBuf.length, 256), this.headLimit + 1));
      this.lineBuf.copy(grown, 0, 0, this.lineLen);
      this.lineBuf = grown;
    }
    chunk.copy(this.lineBuf, this.lineLen, from, to);
    this.lineLen = need;
  }

  /**
   * One complete line, `buf[start, lf)` (without its LF). Returns false when it cannot be framed
   * exactly like llhttp frames it.
   */
  private onLine(buf: Buffer, start: number, lf: number): boolean {
    const cr = lf - 1;
    // Strict CRLF: a bare LF or a CR anywhere but right before the LF is not framed.
    if (cr < start || buf[cr] !== CR) return false;
    for (let i = start; i < cr; i++) if (buf[i] === CR) return false;

    if (this.requestLine) {
      this.requestLine = false;
      // `<target> HTTP/d.d` (the method and its space are already consumed).
      return (
        cr - start >= 10 &&
        buf[cr - 9] === SP &&
        isAt(buf, cr - 8, HTTP_SLASH) &&
        isDigit(buf[cr - 3]) &&
        buf[cr - 2] === 0x2e && // .
        isDigit(buf[cr - 1])
      );
    }

    if (cr === start) return this.onEmptyLine();

    // `name:value`; obs-fold (leading whitespace) and non-token names are not framed.
    let colon = start;
    while (colon < cr && TCHAR[buf[colon]!] === 1) colon++;
    if (colon === start || colon === cr || buf[colon] !== COLON) return false;
    if (this.inTrailer) return true;

    const nameLen = colon - start;
    if (nameLen === 14 && equalsLowerAscii(buf, start, 'content-length')) {
      if (this.contentLength !== -1) return false; // llhttp rejects duplicates
      const value = parseDecimal(buf, colon + 1, cr);
      if (value < 0) return false;
      this.contentLength = value;
    } else if (nameLen === 17 && equalsLowerAscii(buf, start, 'transfer-encoding')) {
      if (this.transferEncoding !== TE_NONE) return false;
      const value = buf.toString('latin1', colon + 1, cr).toLowerCase();
      const last = value.slice(value.lastIndexOf(',') + 1).replace(/^[ \t]+|[ \t]+$/g, '');
      this.transferEncoding = last === 'chunked' ? TE_CHUNKED : TE_OTHER;
    } else if (nameLen === 7 && equalsLowerAscii(buf, start, 'upgrade')) {
      this.upgrade = true;
    }
    return true;
  }

  private onEmptyLine(): boolean {
    if (this.inTrailer) {
      this.inTrailer = false;
      this.state = S_START;
      return true;
    }
    // After an Upgrade the rest of the connection may be another protocol (or dropped by Node).
    if (this.upgrade) return false;
    if (this.transferEncoding !== TE_NONE) {
      // Requests must end in chunked; Content-Length with it is rejected by llhttp.
      if (this.transferEncoding !== TE_CHUNKED || this.contentLength !== -1) return false;
      this.state = S_CHUNK_SIZE;
      this.chunkSize = 0;
      this.chunkDigits = 0;
      return true;
    }
    if (this.contentLength > 0) {
      this.state = S_BODY;
      this.remaining = this.contentLength;
      return true;
    }
    this.state = S_START;
    return true;
  }
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** Compares `buf[at, at + lower.length)` case-insensitively with an all-lowercase ASCII name. */
function equalsLowerAscii(buf: Buffer, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if ((buf[at + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether `buf[at, at + bytes.length)` equals `bytes`. */
function isAt(buf: Buffer, at: number, bytes: readonly number[]): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (buf[at + i] !== bytes[i]) return false;
  }
  return true;
}

/** `OWS 1*DIGIT OWS` in `buf[from, to)`, or -1. At most 15 digits, so it stays exact. */
function parseDecimal(buf: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to && (buf[i] === SP || buf[i] === HT)) i++;
  let value = 0;
  let digits = 0;
  while (i < to && isDigit(buf[i])) {
    value = value * 10 + (buf[i]! - 0x30);
    digits++;
    i++;
  }
  while (i < to && (buf[i] === SP || buf[i] === HT)) i++;
  if (i !== to || digits === 0 || digits > 15) return -1;
  return value;
}

// ---------------------------------------------------------------------------------------------
// Connections
// ---------------------------------------------------------------------------------------------

const kConnection = Symbol('vault-dev.listMethodConnection');

/** One flag per request head the rewriter framed ("was it LIST?"), taken in order. */
class HeadQueue {
  private flags: boolean[] = [];
  private next = 0;

  push(isList: boolean): void {
    this.flags.push(isList);
  }

  /** Whether the next request head Node parses on this connection arrived as `LIST`. */
  take(): boolean {
    if (this.next >= this.flags.length) return false;
    const isList = this.flags[this.next++] === true;
    if (this.next === this.flags.length) {
      this.flags = [];
      this.next = 0;
    }
    return isList;
  }
}

/** Per-connection state, kept on the socket under {@link kConnection}. */
interface Connection {
  rewriter: ListMethodRewriter;
  heads: HeadQueue;
}

type TrackedSocket = net.Socket & {
  [kConnection]?: Connection;
  /** Node's in-flight response on this socket (set and cleared by its HTTP server). */
  _httpMessage?: http.ServerResponse | null;
};

const noop = (): void => {};

/**
 * Routes the socket's incoming bytes through a {@link ListMethodRewriter} before Node's HTTP
 * parser sees them. Call right after Node's connection listener ran (same tick, no data yet).
 */
function trackConnection(socket: TrackedSocket, maxHeaderSize: number): void {
  // Every read of a net.Socket reaches the stream as `socket.push(buffer)` (and EOF as
  // `push(null)`), so an own `push` sees all bytes first; the pieces it forwards to the real
  // `push` go on to 'data' and Node's parser. Bytes are only split or changed at a request
  // start, so bodies are forwarded as the very buffers net read.
  const push = socket.push;
  const heads = new HeadQueue();
  let accepted = true;
  const rewriter = new ListMethodRewriter(
    (bytes) => {
      if (!push.call(socket, bytes)) accepted = false;
    },
    (isList) => heads.push(isList),
    { maxHeaderSize },
  );
  socket[kConnection] = { rewriter, heads };
  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk === null) {
      rewriter.end();
      return push.call(socket, null);
    }
    if (!Buffer.isBuffer(chunk)) return push.call(socket, chunk, encoding);
    accepted = true;
    rewriter.write(chunk);
    return accepted; // false makes net stop reading until the stream wants more
  };
  // Node's server lets llhttp consume the native handle directly, bypassing JS. Its socket
  // listener wrapper switches back to 'data' events as soon as a 'data' listener is added (so
  // that user listeners keep working); that switch is what lets the rewriter run. The listener
  // itself is not needed.
  socket.on('data', noop);
  socket.removeListener('data', noop);
}

/**
 * No request in progress: nothing received beyond complete requests, nothing waiting to be
 * parsed, no response pending. Unlike Node's own idle check, this includes connections that never
 * sent anything (Node would keep those until its headers timeout).
 */
function isIdle(socket: TrackedSocket): boolean {
  const connection = socket[kConnection];
  return (
    connection !== undefined &&
    connection.rewriter.atRequestBoundary &&
    socket.readableLength === 0 &&
    !socket._httpMessage
  );
}

// ---------------------------------------------------------------------------------------------
// Requests and server
// ---------------------------------------------------------------------------------------------

const kListRequest = Symbol('vault-dev.listRequest');

/** Constructed by Node once per parsed request head, in order: takes that head's LIST flag. */
class ListAwareIncomingMessage extends http.IncomingMessage {
  declare [kListRequest]?: true;

  constructor(socket: net.Socket) {
    super(socket);
    if ((socket as TrackedSocket)[kConnection]?.heads.take() === true) this[kListRequest] = true;
  }
}

/** `'LIST'` for a request that arrived as `LIST` (Node's parser saw `GET`), else `req.method`. */
export function originalMethod(req: http.IncomingMessage): string {
  return (req as ListAwareIncomingMessage)[kListRequest] === true ? 'LIST' : (req.method ?? '');
}

export interface ListAwareServerOptions {
  /** Node's `maxHeaderSize` (default `http.maxHeaderSize`, 16 KiB). */
  maxHeaderSize?: number;
  /** Node's `keepAliveTimeout` in ms (default 5000). */
  keepAliveTimeout?: number;
  /** Node's `headersTimeout` in ms (default 60000): time to receive a request's headers. */
  headersTimeout?: number;
  /** Node's `requestTimeout` in ms (default 300000): time to receive a whole request. */
  requestTimeout?: number;
}

export interface ListAwareServer {
  /** Listen; resolves with the bound port (useful with port 0) and address. */
  listen(port: number, host: string): Promise<{ port: number; host: string }>;
  /**
   * Stop accepting, end idle keep-alive connections now and the others once their in-flight
   * responses are sent; resolves once every socket is closed.
   */
  close(): Promise<void>;
  address(): net.AddressInfo | null;
  /** The underlying Node server (timeouts, `'clientError'`, ...). It owns the listening socket. */
  readonly httpServer: http.Server;
}

export function createListAwareServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  options: ListAwareServerOptions = {},
): ListAwareServer {
  const maxHeaderSize = options.maxHeaderSize ?? http.maxHeaderSize;
  const httpServer = http.createServer({
    IncomingMessage: ListAwareIncomingMessage,
    maxHeaderSize,
    // Framing must agree with llhttp's, so never let --insecure-http-parser make it lenient.
    insecureHTTPParser: false,
    ...(options.keepAliveTimeout === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeout }),
    ...(options.headersTimeout === undefined ? {} : { headersTimeout: options.headersTimeout }),
    ...(options.requestTimeout === undefined ? {} : { requestTimeout: options.requestTimeout }),
  });

  let closing = false;
  const sockets = new Set<TrackedSocket>();

  // Node registers its connection listener in the constructor; run it first, then reroute reads.
  const nodeListeners = httpServer.listeners('connection') as Array<(socket: net.Socket) => void>;
  httpServer.removeAllListeners('connection');
  httpServer.on('connection', (socket: TrackedSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    for (const listener of nodeListeners) listener.call(httpServer, socket);
    trackConnection(socket, maxHeaderSize);
  });

  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (closing) res.shouldKeepAlive = false; // answer with `Connection: close`, then close
    handler(req, res);
  });

  /** While closing: close the connection once its current (and queued) responses are sent. */
  const closeWhenDone = (socket: TrackedSocket): void => {
    const res = socket._httpMessage;
    if (!res) return; // a request head is arriving: its response gets `Connection: close`
    if (!res.headersSent) res.shouldKeepAlive = false;
    // Runs after Node's own 'finish' handler, which detaches this response or assigns the next.
    res.once('finish', () => {
      if (socket._httpMessage) closeWhenDone(socket);
      else socket.destroySoon();
    });
  };

  return {
    httpServer,
    listen(port: number, host: string) {
      return new Promise((resolve, reject) => {
        const onError = (error: Error): void => reject(error);
        httpServer.once('error', onError);
        httpServer.listen(port, host, () => {
          httpServer.off('error', onError);
          const bound = httpServer.address() as net.AddressInfo;
          resolve({ port: bound.port, host: bound.address });
        });
      });
    },
    close() {
      closing = true;
      return new Promise<void>((resolve, reject) => {
        httpServer.close((error?: Error) => {
          if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error);
          else resolve();
        });
        for (const socket of sockets) {
          if (socket.destroyed) continue;
          if (isIdle(socket)) socket.destroy();
          else closeWhenDone(socket);
        }
      });
    },
    address() {
      const bound = httpServer.address();
      return bound !== null && typeof bound === 'object' ? bound : null;
    },
  };
}
