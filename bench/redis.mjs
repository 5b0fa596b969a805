import net from 'node:net';

/**
 * One Redis command over a fresh connection, enough for a reachability check,
 * INFO and cleaning up the bench's own keys; the bench needs no Redis client
 * library for that.
 */
export function redisCommand(url, args, timeoutMs = 3_000) {
  const { hostname, port } = new URL(url);
  const request = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    let buffer = Buffer.alloc(0);
    const done = (error, value) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`redis did not answer within ${timeoutMs} ms`)));
    socket.on('error', (error) => done(error));
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const text = buffer.toString('utf8');
      const kind = text[0];
      const lineEnd = text.indexOf('\r\n');
      if (lineEnd < 0) return;
      const head = text.slice(1, lineEnd);
      if (kind === '+') done(null, head);
      else if (kind === '-') done(new Error(head));
      else if (kind === ':') done(null, Number(head));
      else if (kind === '$') {
        const length = Number(head);
        if (length < 0) return done(null, null);
        const start = Buffer.byteLength(text.slice(0, lineEnd + 2));
        if (buffer.length >= start + length) done(null, buffer.subarray(start, start + length).toString('utf8'));
      } else done(new Error(`unexpected redis reply ${JSON.stringify(text.slice(0, 40))}`));
    });
  });
}
