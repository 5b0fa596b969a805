import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

/*
 * The yardstick for delivery: a minimal `ws` broadcast server with no GraphQL,
 * no database and no auth. It speaks just enough of graphql-transport-ws and
 * of POST /graphql that the bench's own sender and subscriber processes run
 * against it unchanged, and it sends subscribers the same bytes Parley would
 * (a `next` frame with { id seq body createdAt }). Each send is broadcast
 * before it is answered; the frame is built once and written to every socket.
 */

const subscribers = new Map(); // subscription id -> Set of sockets
let seq = 0;

const frameFor = (id, message) => JSON.stringify({ id, type: 'next', payload: { data: { messageAdded: message } } });

function broadcast(message) {
  for (const [id, sockets] of subscribers) {
    const frame = frameFor(id, message);
    for (const socket of sockets) socket.send(frame);
  }
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/graphql') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const message = { id: randomUUID(), seq: ++seq, body: variables.body, createdAt: new Date().toISOString() };
    broadcast(message);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: { sendMessage: { messageId: message.id, acceptedAt: message.createdAt } } }));
  });
});

const wss = new WebSocketServer({ server, path: '/graphql' });
wss.on('connection', (socket) => {
  let subscription = null;
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'connection_init') socket.send(JSON.stringify({ type: 'connection_ack' }));
    else if (frame.type === 'subscribe') {
      subscription = frame.id;
      if (!subscribers.has(subscription)) subscribers.set(subscription, new Set());
      subscribers.get(subscription).add(socket);
      // Like Parley's afterSeq replay: one message at once, which tells the client it is live.
      socket.send(frameFor(subscription, { id: randomUUID(), seq, body: 'seed', createdAt: new Date().toISOString() }));
    } else if (frame.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
  });
  socket.on('close', () => subscribers.get(subscription)?.delete(socket));
});

server.listen(0, '127.0.0.1', () => console.log(`baseline listening on ${server.address().port}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
