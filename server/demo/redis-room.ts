/**
 * The demo's chat room across processes and machines, over Redis pub/sub (chapter 15).
 *
 * Strategy:
 * - A message from a local client goes to every local client at once, with chapter 10's
 *   `broadcast` (each `send` applies chapter 09's per-client policy and never waits for a client),
 *   so local delivery never depends on Redis. It is then published on the room's channel as an
 *   envelope: this process's origin and its next sequence number (chapter 15's `encodeEnvelope`).
 * - What the channel brings is decoded and judged by chapter 15's `Inbox`: the echo of this
 *   process's own messages is dropped, a message from another process reaches the local clients
 *   once, in its publisher's order. The subscription's handler only calls `broadcast`, which
 *   queues per client, so one slow client never stalls what the channel brings to the others.
 * - Two Redis connections: a connection in subscriber mode can run no other command. Commands are
 *   not queued while Redis is away (`disableOfflineQueue`): a message said meanwhile reaches the
 *   local clients only, and nothing piles up in memory.
 * - Redis going away is logged once, retried with chapter 15's `reconnectDelay` (exponential, full
 *   jitter), and reported to the listeners of {@link RedisRoom.onStatus} (the demo page's status
 *   line); coming back is logged once too.
 * - Presence: each process writes its count of local clients under its own key with an expiry
 *   (`SET … PX`), rewritten every `presenceRefreshMs` and on every join or leave; the room's size is
 *   the sum of the keys still there (`presenceTotal`). A crashed process's key expires, and its
 *   users vanish from the count.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { createClient } from 'redis';
import type { SendData } from '@impl/10-app/arguments.ts';
import type { BackoffOptions } from '@impl/15-scale-out/room-bus.ts';
import { broadcast } from '../app/websocket-server.ts';
import type { WebSocket } from '../app/websocket.ts';
import { roomBus } from '../wiring/layers.ts';

export interface RedisRoomOptions {
  /** `redis://HOST:PORT`. */
  readonly url: string;
  /** The room's name: its channel and its presence keys (default `chat`). */
  readonly room?: string;
  /** The reconnect schedule (default chapter 15's `defaultBackoff`: 100 ms doubling up to 10 s). */
  readonly backoff?: BackoffOptions;
  /** How long a process's presence key lives without a refresh, in ms (default 15000). */
  readonly presenceTtlMs?: number;
  /** How often it is refreshed, in ms (default 5000; keep it well below the expiry). */
  readonly presenceRefreshMs?: number;
  /** Where the up/down lines go. */
  readonly log?: (line: string) => void;
}

/** What the demo page shows about the room. */
export interface RoomStatus {
  /** `up` while both Redis connections are ready, `down` otherwise. */
  readonly crossProcess: 'up' | 'down';
  /** People in the room across every process whose presence key is alive (local count while down). */
  readonly present: number;
}

type Client = ReturnType<typeof createClient>;

export class RedisRoom {
  /** This process's clients in the room. */
  readonly local = new Set<WebSocket>();
  /** This process's id on the channel: unique per start, readable in `redis-cli monitor`. */
  readonly origin = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  private readonly room: string;
  private readonly inbox: InstanceType<typeof roomBus.Inbox>;
  private readonly publisher: Client;
  private readonly subscriber: Client;
  private readonly listeners = new Set<(status: RoomStatus) => void>();
  private readonly origins = new Set<string>();
  private readonly refreshTimer: NodeJS.Timeout;
  private readonly ttlMs: number;
  private seq = 0;
  private up = false;
  /** The channel's first SUBSCRIBE was answered (node-redis subscribes again after a reconnect by itself). */
  private subscribed = false;
  private everUp = false;
  private present = 0;
  private closed = false;

  /**
   * A room on the Redis at `options.url`, not connected yet ({@link RedisRoom.start}). The Redis
   * client is loaded here, the first time a room is made: a server started without `--redis`
   * never loads it (it is a large package, and its code and startup allocations would be part of
   * every process's memory).
   */
  static async create(options: RedisRoomOptions): Promise<RedisRoom> {
    const { createClient: connectTo } = await import('redis');
    return new RedisRoom(options, connectTo);
  }

  private constructor(
    private readonly options: RedisRoomOptions,
    connectTo: typeof createClient,
  ) {
    this.room = options.room ?? 'chat';
    this.inbox = new roomBus.Inbox(this.origin);
    this.ttlMs = options.presenceTtlMs ?? 15_000;
    const backoff = options.backoff ?? roomBus.defaultBackoff;
    this.publisher = connectTo({
      url: options.url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2000, reconnectStrategy: (attempt) => roomBus.reconnectDelay(attempt, backoff) },
    });
    this.subscriber = this.publisher.duplicate();
    for (const client of [this.publisher, this.subscriber]) {
      client.on('ready', () => this.changed());
      client.on('error', (error: Error) => this.changed(error));
      client.on('end', () => this.changed());
    }
    this.refreshTimer = setInterval(() => void this.refreshPresence(), options.presenceRefreshMs ?? 5000);
    this.refreshTimer.unref();
    this.present = 0;
  }

  /** Connects both connections in the background: the server serves its clients meanwhile. */
  start(): void {
    this.publisher.connect().catch((error: Error) => this.changed(error));
    this.subscriber
      .connect()
      .then(() => this.subscriber.subscribe(this.room, (raw) => this.received(raw)))
      .then(() => {
        this.subscribed = true;
        this.changed();
      })
      .catch((error: Error) => this.changed(error));
  }

  /** Adds a local client; it leaves by itself when it closes. */
  join(socket: WebSocket): void {
    this.local.add(socket);
    socket.on('close', () => {
      this.local.delete(socket);
      void this.refreshPresence();
    });
    void this.refreshPresence();
  }

  /** A local client said `data`: to every local client now, then to the other processes. */
  say(data: SendData): void {
    broadcast(this.local, data);
    if (typeof data !== 'string' || !this.up) return;
    const envelope = { origin: this.origin, seq: ++this.seq, text: data };
    this.publisher.publish(this.room, roomBus.encodeEnvelope(envelope)).catch(() => {
      // Redis went away between the check and the write: the 'error' event reports it.
    });
  }

  /** The status now, and on every change to `listener` until the returned function is called. */
  onStatus(listener: (status: RoomStatus) => void): () => void {
    this.listeners.add(listener);
    listener(this.status());
    return () => this.listeners.delete(listener);
  }

  status(): RoomStatus {
    return { crossProcess: this.up ? 'up' : 'down', present: this.up ? this.present : this.local.size };
  }

  /** Removes this process's presence key and closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refreshTimer);
    if (this.up) await this.publisher.del(roomBus.presenceKey(this.room, this.origin)).catch(() => undefined);
    await Promise.all([this.publisher, this.subscriber].map((client) => (client.isOpen ? client.disconnect().catch(() => undefined) : undefined)));
  }

  /** One message from the channel: to the local clients if the inbox says so. */
  private received(raw: string): void {
    let envelope;
    try {
      envelope = roomBus.decodeEnvelope(raw);
    } catch {
      return;
    }
    if (envelope === undefined) return;
    this.origins.add(envelope.origin);
    if (this.inbox.accept(envelope) === 'deliver') broadcast(this.local, envelope.text);
  }

  /** Re-reads the connections' state; logs and reports a change between up and down. */
  private changed(error?: Error): void {
    if (this.closed) return;
    const up = this.subscribed && this.publisher.isReady && this.subscriber.isReady;
    if (up === this.up) return;
    this.up = up;
    const { url } = this.options;
    if (up) {
      this.options.log?.(`${this.everUp ? 'Redis is back' : 'Redis connected'} (${url}): cross-process delivery up`);
      this.everUp = true;
      void this.refreshPresence();
    } else {
      const why = error?.message ?? 'connection closed';
      this.options.log?.(`Redis unreachable (${url}: ${why}): cross-process delivery down, local clients still served; retrying with backoff`);
    }
    this.report();
  }

  private report(): void {
    const status = this.status();
    for (const listener of this.listeners) listener(status);
  }

  /** Writes this process's count with its expiry, then sums every process's live key. */
  private async refreshPresence(): Promise<void> {
    if (!this.up || this.closed) return this.report();
    try {
      await this.publisher.set(roomBus.presenceKey(this.room, this.origin), String(this.local.size), { PX: this.ttlMs });
      const keys: string[] = [];
      for await (const key of this.publisher.scanIterator({ MATCH: roomBus.presenceKey(this.room, '*'), COUNT: 100 })) keys.push(key);
      const values = keys.length === 0 ? [] : await this.publisher.mGet(keys);
      this.forgetGone(keys);
      const present = roomBus.presenceTotal(values);
      if (present !== this.present) {
        this.present = present;
        this.report();
      }
    } catch {
      // Redis went away mid-refresh: the 'error' event reports it, the next refresh retries.
    }
  }

  /** Drops the inbox's entry for each origin whose presence key expired: that process left. */
  private forgetGone(keys: readonly string[]): void {
    const alive = new Set(keys);
    for (const origin of this.origins) {
      if (alive.has(roomBus.presenceKey(this.room, origin))) continue;
      this.origins.delete(origin);
      this.inbox.forget(origin);
    }
  }
}
