import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

export interface DrainOptions {
  /** The longest in-flight requests may take to finish once closing starts; then their connections are cut. */
  inFlightGraceMs: number;
  /** A connection that finished a response this recently may already carry the next request: it gets this long to arrive. */
  idleGraceMs: number;
  /**
   * A request refused while closing has its body read (and dropped) up to this
   * many bytes before the 503 is written; past it, the 503 goes out at once.
   * The server passes MAX_REQUEST_BYTES: a larger body would be refused anyway.
   */
  refusedBodyBytes: number;
}

/*
 * The in-flight grace comes from SHUTDOWN_TIMEOUT (support/shutdown.ts requestGraceOf).
 * A client reuses a kept-alive connection within milliseconds of its last response, if at all.
 */
export const DRAIN_DEFAULTS: Omit<DrainOptions, 'inFlightGraceMs'> = { idleGraceMs: 500, refusedBodyBytes: 1024 * 1024 };

interface Connection {
  active: number;
  lastActiveAt: number;
}

const POLL_MS = 20;

/**
 * Closes an HTTP server without resetting a request. `http.Server.close()`
 * drops idle keep-alive connections at once, but "idle" to the server may
 * mean the client has just written its next request on that connection,
 * which then meets a reset (ECONNRESET). Here closing stops accepting
 * connections, marks every response still to be written `connection: close`,
 * answers requests that arrive meanwhile on open connections with 503
 * UNAVAILABLE (and `connection: close`), lets in-flight requests finish within
 * a bound, and closes a connection only once it has been idle for a moment.
 * WebSocket connections leave its care when they upgrade (`forget`).
 */
export class HttpDrain {
  private closing = false;
  private readonly connections = new Map<Socket, Connection>();
  private readonly pending = new Set<ServerResponse>();

  constructor(
    private readonly server: Server,
    private readonly options: DrainOptions,
  ) {
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { active: 0, lastActiveAt: Date.now() });
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  /**
   * A connection that became a WebSocket is the WebSocket server's to close.
   * (Not an 'upgrade' listener here: once the WebSocket server has stopped,
   * Node must see none, so that an upgrade arriving on a kept-alive
   * connection is answered like any request, 503, instead of hanging.)
   */
  forget(socket: Socket): void {
    this.connections.delete(socket);
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /**
   * Call first for every request. While closing, it answers UNAVAILABLE
   * itself and returns false; otherwise it tracks the request until its
   * response is done.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const connection = this.connections.get(req.socket);
    this.track(res, connection);
    if (this.closing) {
      this.refuseAfterBody(req, res);
      return false;
    }
    return true;
  }

  /*
   * The 503 waits for the request's body. Answered at once, the response ends
   * with `connection: close`, Node closes the socket with the body still
   * arriving, and the kernel answers the unread bytes with a reset, which
   * discards the 503 on the client's side before a client that uploads first
   * and reads after (curl, most mobile stacks) has read it: it saw ECONNRESET
   * or EPIPE, not "retry shortly". The response is tracked like any other, so
   * close() leaves the connection alone while the body drains (within the
   * in-flight grace).
   */
  private refuseAfterBody(req: IncomingMessage, res: ServerResponse): void {
    const answer = () => {
      if (res.headersSent) return;
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', connection: 'close', 'retry-after': '1' });
      res.end(JSON.stringify({ errors: [{ message: 'Parley is shutting down: retry shortly', extensions: { code: 'UNAVAILABLE' } }] }));
    };
    let read = 0;
    req.on('data', (chunk: Buffer) => {
      read += chunk.length;
      // Not worth reading on: answer now, the client meets the reset it would have met on a 413.
      if (read > this.options.refusedBodyBytes) answer();
    });
    req.once('end', answer);
    req.once('error', () => res.destroy());
    req.resume();
  }

  private track(res: ServerResponse, connection: Connection | undefined): void {
    this.pending.add(res);
    if (connection) connection.active++;
    res.once('close', () => {
      this.pending.delete(res);
      if (connection) {
        connection.active--;
        connection.lastActiveAt = Date.now();
      }
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // net.Server's close stops accepting and leaves open connections alone (http.Server's would drop the idle ones now).
    NetServer.prototype.close.call(this.server);
    for (const res of this.pending) if (!res.headersSent) res.setHeader('connection', 'close');

    const deadline = Date.now() + this.options.inFlightGraceMs;
    while (this.connections.size > 0 && Date.now() < deadline) {
      const now = Date.now();
      for (const [socket, connection] of this.connections) {
        if (connection.active === 0 && now - connection.lastActiveAt >= this.options.idleGraceMs) socket.destroy();
      }
      if (this.connections.size > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    // Whatever is still open has outlived the grace period.
    for (const socket of this.connections.keys()) socket.destroy();
    this.server.closeAllConnections();
  }
}
