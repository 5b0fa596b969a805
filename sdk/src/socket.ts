import { createClient, type Client, type ExecutionResult, type Sink, type SubscribePayload } from 'graphql-ws';

export interface SocketOptions {
  url: string;
  /** Read at every connection_init, so a reconnect carries the current token. */
  token: () => string | null;
  /** A WebSocket constructor; defaults to the global one (browsers, Node >= 22). */
  webSocketImpl: unknown;
  /** Ping interval; a pong missing for as long drops the socket. 0 turns it off. */
  keepAliveMs: number;
  /** Told when a connection is acknowledged, e.g. to say "online". */
  onConnected?: (() => void) | undefined;
  /** Told when a connection closes or fails to open, with its close event or error. */
  onClosed?: ((event: unknown) => void) | undefined;
}

/**
 * The one graphql-ws connection of a client, shared by its subscriptions.
 *
 * graphql-ws's own retry is off (`retryAttempts: 0`): it would resubscribe
 * with the payload of the first subscribe, i.e. a stale `afterSeq`. Each
 * stream owns its retries instead (subscriptions.ts) and resubscribes from
 * the last seq it received. (graphql-ws still reconnects by itself after a
 * clean 1000 close, with the old payload; the stream drops the replayed
 * overlap by seq.) The socket is lazy: opened by the first subscription and
 * closed when the last one ends.
 */
export class ParleySocket {
  private client: Client | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** Whether the socket is open and the server acknowledged connection_init. */
  private acknowledged = false;
  private readonly connectedListeners = new Set<() => void>();
  /**
   * Bumped when the client drops the socket on purpose (a new token), so
   * streams can resubscribe at once instead of backing off as if the network failed.
   */
  generation = 0;

  constructor(private readonly options: SocketOptions) {}

  subscribe(payload: SubscribePayload, sink: Sink<ExecutionResult<Record<string, unknown>, unknown>>): () => void {
    if (this.disposed) throw new Error('The Parley client is closed');
    return this.connection().subscribe(payload, sink);
  }

  /**
   * Calls `listener` once the socket is connected (acknowledged), at once if
   * it is, and only after anything subscribed before this call has been sent
   * (graphql-ws sends a subscribe a few microtasks after the ack: the listener
   * runs a macrotask later). Returns a function that cancels it.
   */
  afterConnected(listener: () => void): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fire = () => {
      this.connectedListeners.delete(fire);
      timer = setTimeout(listener, 0);
    };
    if (this.acknowledged) fire();
    else this.connectedListeners.add(fire);
    return () => {
      this.connectedListeners.delete(fire);
      clearTimeout(timer);
    };
  }

  /** Drops the open socket, if any; subscriptions see 4499 and reconnect with the current token. */
  reconnect(): void {
    this.generation++;
    this.client?.terminate();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.pongTimer);
    this.connectedListeners.clear();
    const client = this.client;
    this.client = null;
    await client?.dispose();
  }

  private connection(): Client {
    if (this.client) return this.client;
    const webSocketImpl = this.options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
    if (!webSocketImpl) {
      throw new Error('No WebSocket implementation: pass `webSocketImpl` (e.g. the `ws` package) to createParleyClient');
    }
    const { keepAliveMs } = this.options;
    const client: Client = createClient({
      url: this.options.url,
      webSocketImpl,
      // No lazyCloseTimeout: dispose() does not cancel its timer, which would hold a Node process open.
      lazy: true,
      retryAttempts: 0,
      // A server that accepts the connection but never acknowledges it counts as a dropped one.
      connectionAckWaitTimeout: 10_000,
      keepAlive: keepAliveMs,
      connectionParams: () => {
        const token = this.options.token();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      on: {
        // A half-open TCP connection (laptop sleeps, network changes) never closes by itself;
        // without a pong in time the socket is dropped and the streams resume elsewhere.
        ping: (received) => {
          if (!received && keepAliveMs > 0) this.pongTimer = setTimeout(() => client.terminate(), keepAliveMs);
        },
        pong: (received) => {
          if (received) clearTimeout(this.pongTimer);
        },
        connecting: () => {
          this.acknowledged = false;
        },
        connected: () => {
          this.acknowledged = true;
          this.options.onConnected?.();
          for (const listener of [...this.connectedListeners]) listener();
        },
        closed: (event) => {
          this.acknowledged = false;
          clearTimeout(this.pongTimer);
          this.options.onClosed?.(event);
        },
      },
    });
    this.client = client;
    return client;
  }
}
