import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { CloseCode, handleProtocols, makeServer, MessageType, parseMessage, type ServerOptions } from 'graphql-ws';
import { SOCKET_HIGH_WATER_BYTES, SOCKET_KEEP_ALIVE_MS } from '../config/tuning.js';
import type { SocketMeter } from '../observability/meters.js';
import type { WebSocket, WebSocketServer } from 'ws';
import { errorMessage } from '../support/error-text.js';
import { TurnBatch } from '../support/turn-batch.js';
import { inLogScope, type Logger, type ScopeFields } from '../observability/log.js';
import { Heartbeat } from './heartbeat.js';
import { requestIdOf } from './request-id.js';

/*
 * Serves graphql-ws over `ws` in place of graphql-ws's own `use/ws` adapter,
 * which issues one write per frame and awaits each write's callback. A chat
 * message to 1,000 subscribers was 1,000 writev calls, 44% of the server core
 * at saturation. Here each socket is corked at its first frame of an event
 * loop turn and uncorked once the turn is over, so everything a socket gets
 * in one turn leaves in one write. When the server falls behind, several
 * messages reach the same turn, and the cost per delivery falls as load rises
 * instead of latency growing without bound.
 */

export interface TransportOptions {
  logger: Logger;
  /** Ping interval; a peer that misses a pong for as long is dropped. */
  keepAliveMs?: number;
  /**
   * Past this many unsent bytes on a socket, a frame is handed back to
   * graphql-ws only once written, so a slow reader pauses its subscriptions
   * (replay stops paging; live events wait in the bounded subscription queue)
   * instead of growing the socket's buffer.
   */
  highWaterBytes?: number;
  /**
   * On dispose, how long sockets get to answer the 1001 (Going Away) close
   * before they are cut. ws alone would wait 30 s per socket (its
   * closeTimeout), past a typical orchestrator's grace before SIGKILL.
   */
  closeGraceMs?: number;
  /** The client's address as per-address limits see it (TRUST_PROXY), for the socket's log lines. */
  clientAddress?(request: IncomingMessage): string;
  /** Counts open sockets and the subscription events written to them. */
  sockets?: SocketMeter;
}

export interface Extra {
  socket: WebSocket;
  /**
   * The client's address (as TRUST_PROXY reads it), taken at the upgrade: the
   * upgrade request itself, headers and all, is not kept for the socket's life.
   */
  address: string;
  /** On every line logged for this socket: its request id (from the upgrade) and, once authenticated, its user. */
  log: ScopeFields;
}

/** Message types only a server sends: a client sending one breaks the protocol. */
const SERVER_ONLY = new Set<string>([MessageType.ConnectionAck, MessageType.Next, MessageType.Error]);

/** Whether `data` is a well-formed message of a type only the server may send. */
function isServerOnlyMessage(data: string): boolean {
  try {
    return SERVER_ONLY.has(parseMessage(data).type);
  } catch {
    return false;
  }
}

/**
 * A socket error a client causes at will: a frame over `maxPayload` (ws closes
 * with 1009 itself), invalid framing or UTF-8 (1002, 1007), or a peer that
 * vanished. Worth a debug line, not a warning anyone must read.
 */
const isClientCaused = (error: NodeJS.ErrnoException): boolean =>
  typeof error.code === 'string' && (error.code.startsWith('WS_ERR_') || error.code === 'ECONNRESET' || error.code === 'EPIPE');

/** Corks sockets for the rest of the current turn and uncorks them together. */
class TurnBatcher {
  private readonly corked = new Set<Socket>();

  private readonly turn = new TurnBatch<Socket>({
    handle: (sockets) => this.uncork(sockets),
    fail: (sockets) => this.uncork(sockets),
  });

  private uncork(sockets: Socket[]): void {
    for (const socket of sockets) {
      this.corked.delete(socket);
      socket.uncork();
    }
  }

  hold(socket: Socket): void {
    if (this.corked.has(socket)) return;
    this.turn.add(socket);
    socket.cork();
    this.corked.add(socket);
  }
}

/*
 * A chat message reaches every subscriber as the same result object (see
 * execution-sharing.ts), yet graphql-ws serializes each frame
 * whole. The message replacer swaps a `next` payload for a marker and keeps
 * its JSON, written once per result; send() splices it in. graphql-ws calls
 * send() with the frame right after stringifying it, so one pending slot is
 * enough.
 */
class SharedPayloads {
  private static readonly MARK = '\u0000parley-shared-payload';
  private static readonly TAIL = `"payload":${JSON.stringify(SharedPayloads.MARK)}}`;
  private readonly json = new WeakMap<object, string>();
  private pending: string | null = null;
  /** The payload object behind `pending`: which result is being delivered (observability/delivery-stamps.ts). */
  private pendingResult: object | null = null;

  readonly replacer = (() => {
    const self = this;
    return function (this: { type?: unknown }, key: string, value: unknown): unknown {
      if (key !== 'payload' || this.type !== 'next' || typeof value !== 'object' || value === null) return value;
      let text = self.json.get(value);
      if (text === undefined) self.json.set(value, (text = JSON.stringify(value)));
      self.pending = text;
      self.pendingResult = value;
      return SharedPayloads.MARK;
    };
  })();

  /** The payload object of the frame about to be sent, if it is a `next`; read once, before frame(). */
  takeResult(): object | null {
    const result = this.pendingResult;
    this.pendingResult = null;
    return result;
  }

  frame(data: string): string {
    const payload = this.pending;
    if (payload === null) return data;
    this.pending = null;
    if (!data.endsWith(SharedPayloads.TAIL)) return data;
    return `${data.slice(0, -SharedPayloads.TAIL.length)}"payload":${payload}}`;
  }
}

export function serveGraphqlWs<P extends Record<string, unknown>, E extends Extra>(
  options: ServerOptions<P, E>,
  wss: WebSocketServer,
  { logger, keepAliveMs = SOCKET_KEEP_ALIVE_MS, highWaterBytes = SOCKET_HIGH_WATER_BYTES, closeGraceMs = 10_000, clientAddress, sockets }: TransportOptions,
): { dispose(): Promise<void> } {
  const payloads = new SharedPayloads();
  const server = makeServer<P, E>({ ...options, jsonMessageReplacer: payloads.replacer });
  const batcher = new TurnBatcher();
  const heartbeat = new Heartbeat(keepAliveMs);
  wss.options.handleProtocols = handleProtocols;

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const raw = request.socket;
    const opened = Date.now();
    const scope: ScopeFields = { reqId: requestIdOf(request.headers['x-request-id']) };
    /*
     * The code the server closed with, if it closed first (a refusal, a 1009
     * from ws itself, shutdown): the close event reports what the peer sent
     * back, 1006 when it sent nothing, which says nothing of why.
     */
    let closedWith: { code?: number; reason?: string } | undefined;
    const close = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string | Buffer) => {
      closedWith ??= { code, reason: reason === undefined ? undefined : String(reason) };
      close(code, reason);
    };
    const address = clientAddress?.(request) ?? raw.remoteAddress ?? 'unknown';
    logger.info({ ...scope, ip: address }, 'websocket connected');
    sockets?.opened();
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (isClientCaused(error)) logger.debug({ ...scope, error: error.message, code: error.code }, 'websocket closed on a client error');
      else logger.warn({ ...scope, err: error }, 'websocket error');
      // ws has already begun closing with the fitting code (1009 for an oversized frame); this only covers the rest.
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });

    heartbeat.add(socket);

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (text) => {
          const result = payloads.takeResult();
          const data = payloads.frame(text);
          if (socket.readyState !== socket.OPEN) return;
          batcher.hold(raw);
          if (result !== null) sockets?.written(result);
          // Below the high-water mark nothing waits for the write: awaiting each one would end the turn per frame.
          if (socket.bufferedAmount < highWaterBytes) return socket.send(data);
          return new Promise<void>((resolve) => socket.send(data, () => resolve()));
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (frame) => {
            const data = String(frame);
            inLogScope(scope, () => handle(data)).catch((error: unknown) => {
              // graphql-ws throws on a message type a client may not send: told apart here, on the failure path only.
              if (isServerOnlyMessage(data)) {
                logger.debug({ ...scope, error: errorMessage(error) }, 'websocket closed: the client sent a server-only message');
                socket.close(CloseCode.BadRequest, 'Unexpected message type');
                return;
              }
              logger.error({ ...scope, err: error }, 'websocket message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, address, log: scope } as E,
    );

    socket.once('close', (code, reason) => {
      sockets?.closed();
      const by = closedWith ? 'server' : 'client';
      const ended = closedWith ? { code: closedWith.code ?? 1005, reason: closedWith.reason ?? '', peerCode: code } : { code, reason: String(reason) };
      logger.info({ ...scope, ...ended, by, durationMs: Date.now() - opened }, 'websocket closed');
      void closed(code, String(reason));
    });
  });

  return {
    dispose: async () => {
      heartbeat.close();
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners('connection');
      // ws calls back once every client has closed.
      const closed = new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, closeGraceMs)));
      await Promise.race([closed, graceOver]);
      clearTimeout(timer);
      // Whoever has not answered by now is not going to: cut them, which lets `closed` settle.
      for (const client of wss.clients) client.terminate();
      await closed;
    },
  };
}
