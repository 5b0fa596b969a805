import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy whose plug can be pulled: cut() drops every open connection and
 * refuses new ones until restore(). For real network drops between a client
 * and the server (Chromium's offline mode leaves open WebSockets alone) and
 * between the server and an engine (a PostgreSQL outage).
 */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
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
    client.pipe(upstream);
    upstream.pipe(client);
  }

  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
