/**
 * One Kubernetes watch request (`?watch=true`): the answer is a stream of JSON lines `{"type", "object"}`, each
 * handed over as it arrives. Written on node:https rather than imported: @kubernetes/client-node's `Watch` pulls in
 * node-fetch and whatwg-url, ~2 MB of code and several MiB of resident memory for what is 60 lines here, and the
 * controller's memory budget is 80 MiB at 1,000 pods.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KubeApiError, type KubeClient, type KubeObject } from './client.js';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | string;
  object: KubeObject & { code?: number };
}

/** A watch the caller can end early; `done` is called exactly once: `null` when the server ended it cleanly. */
export interface WatchHandle {
  abort(): void;
}

const MAX_LINE = 16 * 1024 * 1024;

export function watchStream(
  client: Pick<KubeClient, 'connection' | 'agent'>,
  path: string,
  params: Record<string, string>,
  onEvent: (event: WatchEvent) => void,
  done: (err: Error | null) => void,
): WatchHandle {
  const { connection, agent } = client;
  const url = new URL(`${connection.server}${path}`);
  url.searchParams.set('watch', 'true');
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  let finished = false;
  const finish = (err: Error | null) => {
    if (finished) return;
    finished = true;
    done(err);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = request(
    url,
    { method: 'GET', agent, headers: { Accept: 'application/json', Authorization: `Bearer ${connection.token()}` } },
    (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (chunk: string) => (text += chunk.slice(0, 4096)));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          const message = (body as { message?: string } | undefined)?.message ?? `HTTP ${res.statusCode}`;
          finish(new KubeApiError(res.statusCode ?? 0, body, `watch ${path}: ${message}`));
        });
        return;
      }
      let pending = '';
      res.on('data', (chunk: string) => {
        pending += chunk;
        let newline = pending.indexOf('\n');
        while (newline !== -1) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.trim() !== '') deliver(line);
          newline = pending.indexOf('\n');
        }
        if (pending.length > MAX_LINE) req.destroy(new Error('watch event too large'));
      });
      res.on('end', () => {
        if (pending.trim() !== '') deliver(pending);
        finish(null);
      });
      res.on('error', (err) => finish(err));
      // A server that vanishes without closing the stream ends it here.
      res.on('close', () => finish(res.complete ? null : new Error('watch stream closed')));
    },
  );
  const deliver = (line: string) => {
    let event: WatchEvent;
    try {
      event = JSON.parse(line) as WatchEvent;
    } catch {
      req.destroy(new Error('watch stream is not JSON lines'));
      return;
    }
    if (!finished) onEvent(event);
  };
  // The server ends a watch at timeoutSeconds; a connection that died silently (no FIN) ends here instead.
  const timeoutSeconds = Number(params['timeoutSeconds'] ?? 300);
  req.setTimeout((timeoutSeconds + 30) * 1000, () => req.destroy(new Error('watch stream went silent')));
  req.on('error', (err) => finish(err));
  req.end();
  return {
    abort() {
      finish(null);
      req.destroy();
    },
  };
}
