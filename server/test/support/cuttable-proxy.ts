import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy whose plug can be pulled: cut() drops every open connection and
 * refuses new ones until restore(). For real network drops between a client
 * and the server (Chromium's offline mode leaves open WebSockets alone) and
 * between the server and an engine (a PostgreSQL outage). stall() is the
 * nastier fault: connections stay open (and new ones are accepted) but no
 * byte moves either way until restore(), like a hung engine or a black-holed
 * route; nothing errors, so only the client's own timeouts can notice.
 */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
  private stalled = false;
  /** Bytes held back while stalled, delivered in order on restore(). */
  private held: { to: Socket; chunk: Buffer }[] = [];
  private server!: Server;
  port = 0;
  origin = '';

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<CuttableProxy> {
    const proxy = new CuttableProxy();
    proxy.server = createServer((client) => {
      if (proxy.down) return client.destroy();
      proxy.pipe(client, targetPort, targetHost);
    });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as AddressInfo).port;
    proxy.origin = `http://127.0.0.1:${proxy.port}`;
    return proxy;
  }

  private pipe(client: Socket, targetPort: number, targetHost: string): void {
    const upstream = connect(targetPort, targetHost);
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

  stall(): void {
    this.stalled = true;
  }

  restore(): void {
    this.down = false;
    this.stalled = false;
    for (const { to, chunk } of this.held.splice(0)) if (!to.destroyed) to.write(chunk);
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
