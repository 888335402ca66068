/**
 * Watch streams over chunked HTTP (what kubectl and client-go use) and over websocket. Each event's
 * bytes are built once and shared by every watcher that receives it, so a fan-out costs a write per
 * watcher, not a serialization per watcher.
 */
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { StoredObject } from '../store/store.js';
import type { ServiceWatchEvent } from '../service/service.js';

type EventType = ServiceWatchEvent['type'];

const cache = new WeakMap<StoredObject, Partial<Record<EventType, Buffer>>>();
const objectBytes = new WeakMap<StoredObject, Buffer>();

/** The object's JSON as bytes, encoded once and shared by every response that carries it. */
export function storedBytes(stored: StoredObject): Buffer {
  let b = objectBytes.get(stored);
  if (!b) {
    b = Buffer.from(stored.json);
    objectBytes.set(stored, b);
  }
  return b;
}

/** `{"type":T,"object":OBJ}\n`, serialized once per (object state, type). */
export function eventBytes(type: EventType, stored: StoredObject): Buffer {
  let entry = cache.get(stored);
  if (!entry) {
    entry = {};
    cache.set(stored, entry);
  }
  let bytes = entry[type];
  if (!bytes) {
    bytes = Buffer.from(`{"type":"${type}","object":${stored.json}}\n`);
    entry[type] = bytes;
  }
  return bytes;
}

/** A sink a watch writes to: chunked HTTP or websocket. */
export interface WatchSink {
  write(bytes: Buffer | string): void;
  /** Bytes queued but not yet sent; a watcher that falls too far behind is closed. */
  backlog(): number;
  close(): void;
  onClose(fn: () => void): void;
}

export function httpSink(res: ServerResponse): WatchSink {
  return {
    write: (bytes) => void res.write(bytes),
    backlog: () => res.writableLength,
    close: () => res.end(),
    onClose: (fn) => {
      res.on('close', fn);
    },
  };
}

export function wsSink(ws: WebSocket): WatchSink {
  return {
    // Each event is one text frame, newline included, as the JSON encoder of kube-apiserver writes it.
    write: (bytes) => ws.send(bytes, { binary: false }),
    backlog: () => ws.bufferedAmount,
    close: () => ws.close(1000),
    onClose: (fn) => {
      ws.on('close', fn);
    },
  };
}

/** A watcher that lets 64 MiB pile up is not reading; kube-apiserver drops such watchers too. */
export const MAX_WATCH_BACKLOG = 64 * 1024 * 1024;
