import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy whose plug can be pulled, for real network faults between a
 * client and Parley (Chromium's offline mode leaves open WebSockets alone; the
 * SDK's reconnects) and between Parley and an engine (a PostgreSQL outage).
 * Three faults, each lifted by restore():
 * - cut(): every open connection is closed, and new ones are accepted and
 *   closed at once (an engine that went away);
 * - drop(): every open connection is reset, and new ones are refused, since
 *   nothing listens (a network that went away); restore() listens again on
 *   the same port;
 * - stall(): connections stay open (and new ones are accepted) but no byte
 *   moves either way, like a hung engine or a black-holed route; nothing
 *   errors, so only the client's own timeouts can notice.
 * The SDK's tests use it too (sdk/test/support/parley.ts).
 */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
  private stalled = false;
  /** Bytes held back while stalled, delivered in order on restore(). */
  private held: { to: Socket; chunk: Buffer }[] = [];
  private server: Server | null = null;
  /** Connections passed on so far: one per WebSocket (re)connection or HTTP keep-alive socket. */
  connections = 0;
  port = 0;
  origin = '';

  private constructor(
    private readonly targetPort: number,
    private readonly targetHost: string,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(targetPort, targetHost);
    await proxy.listen();
    return proxy;
  }

  /** Parley's GraphQL endpoint through the proxy, when the target is a Parley. */
  get url(): string {
    return `${this.origin}/graphql`;
  }

  private async listen(): Promise<void> {
    const server = createServer((client) => {
      if (this.down) return client.destroy();
      this.connections++;
      this.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.origin = `http://127.0.0.1:${this.port}`;
    this.server = server;
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (this.stalled) this.held.push({ to, chunk });
        else to.write(chunk);
      });
      from.on('end', () => to.end());
    };
    forward(client, upstream);
    forward(upstream, client);
  }

  cut(): void {
    this.down = true;
    this.held = [];
    for (const socket of this.sockets) socket.destroy();
  }

  async drop(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    this.held = [];
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    await closed;
  }

  stall(): void {
    this.stalled = true;
  }

  /** Lifts any fault; resolves once the proxy listens again (at once unless it was dropped). */
  restore(): Promise<void> {
    this.down = false;
    this.stalled = false;
    for (const { to, chunk } of this.held.splice(0)) if (!to.destroyed) to.write(chunk);
    return this.server ? Promise.resolve() : this.listen();
  }

  async close(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = null;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
