import { createServer, type Socket } from 'node:net';

/** A KAFKA_BROKERS address where no Kafka answers, and how to clean it up. */
export interface UnreachableKafka {
  address: string;
  stop(): Promise<void>;
}

/** A port nothing listens on: connections are refused at once. */
export async function refusingBroker(): Promise<UnreachableKafka> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return { address: `127.0.0.1:${port}`, stop: async () => {} };
}

/** Accepts connections and never answers, like a hung broker: only timeouts end a request to it. */
export async function silentBroker(): Promise<UnreachableKafka> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
