/**
 * The watch stream (apiserver/pkg/endpoints/handlers/watch.go): headers flushed
 * at once, one JSON line per event, synthetic ADDED events for a watch without a
 * resourceVersion, selector transitions as ADDED/DELETED, bookmarks on request,
 * an ERROR 410 Expired event for a compacted revision, and a clean close at the
 * timeout.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomInt } from 'node:crypto';
import type { KubeObject } from '../api/object.js';
import { apiVersionOf, groupResource, type ResourceDef } from '../registry/types.js';
import type { Matcher } from '../storage/selectors.js';
import { RevisionTooOldError, type Store, type StoreEvent } from '../storage/store.js';

export interface WatchTimings {
  /** Used when the client sends no timeoutSeconds; the real server picks 30–60 minutes. */
  defaultTimeoutSeconds?: number;
  bookmarkIntervalMs: number;
}

export interface WatchRequest {
  def: ResourceDef;
  namespace: string | undefined;
  matches: Matcher;
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  timeoutSeconds: number | undefined;
}

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export function serveWatch(
  req: IncomingMessage,
  res: ServerResponse,
  store: Store,
  watch: WatchRequest,
  timings: WatchTimings,
): void {
  const gr = groupResource(watch.def);
  const inScope = (obj: KubeObject | undefined): boolean =>
    obj !== undefined &&
    (watch.namespace === undefined || obj.metadata.namespace === watch.namespace) &&
    watch.matches(obj);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const send = (type: WatchEventType, object: unknown): void => {
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const translate = (event: StoreEvent): void => {
    const now = inScope(event.object);
    const before = event.type === 'MODIFIED' ? inScope(event.previous) : now;
    if (event.type === 'MODIFIED' && now !== before) {
      // Moving into the selector is an ADDED with the object as it is now; moving out a DELETED with the object as
      // the watcher last matched it, stamped with the new resourceVersion (the apiserver's cacheWatcher does so).
      if (now) send('ADDED', event.object);
      else {
        const last = event.previous as KubeObject;
        send('DELETED', {
          ...last,
          metadata: { ...last.metadata, resourceVersion: event.object.metadata.resourceVersion },
        });
      }
    } else if (now) send(event.type, event.object);
  };

  const rv = watch.resourceVersion;
  const fromRevision = rv === undefined || rv === '' || rv === '0' ? undefined : Number(rv);
  let backlog: StoreEvent[] = [];
  if (fromRevision === undefined) {
    for (const obj of store.list(gr, watch.namespace)) if (inScope(obj)) send('ADDED', obj);
  } else {
    try {
      if (!Number.isInteger(fromRevision) || fromRevision > store.currentRevision()) {
        throw new RevisionTooOldError(fromRevision, store.currentRevision());
      }
      backlog = store.eventsSince(gr, fromRevision);
    } catch (err) {
      if (!(err instanceof RevisionTooOldError)) throw err;
      send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${rv} (${store.currentRevision()})`,
        reason: 'Expired',
        code: 410,
      });
      res.end();
      return;
    }
  }
  for (const event of backlog) translate(event);
  const unsubscribe = store.subscribe((event) => {
    if (event.gr === gr) translate(event);
  });

  const timeoutSeconds = watch.timeoutSeconds ?? timings.defaultTimeoutSeconds ?? 1800 + randomInt(1800);
  const timer = setTimeout(() => finish(), timeoutSeconds * 1000);
  const bookmarks = watch.allowBookmarks
    ? setInterval(() => {
        send('BOOKMARK', {
          kind: watch.def.kind,
          apiVersion: apiVersionOf(watch.def),
          metadata: { resourceVersion: String(store.currentRevision()) },
        });
      }, timings.bookmarkIntervalMs)
    : undefined;
  let finished = false;
  function finish(): void {
    if (finished) return;
    finished = true;
    unsubscribe();
    clearTimeout(timer);
    if (bookmarks) clearInterval(bookmarks);
    res.end();
  }
  req.on('close', finish);
  res.on('close', finish);
}
