import WebSocket from 'ws';

/*
 * A graphql-ws (graphql-transport-ws) client cut down to what the bench needs:
 * connection_init with the token, one subscribe, then every `next` handed to
 * onNext as raw text. Thousands of these run in one process, so there are no
 * per-socket timers or promises beyond the handshake.
 */

export const MESSAGE_ADDED = 'subscription($chatId: ID!, $afterSeq: Int) { messageAdded(chatId: $chatId, afterSeq: $afterSeq) { id seq body createdAt } }';

/**
 * Resolves once the server acknowledged connection_init and the subscribe
 * frame is sent; rejects when the handshake fails or takes longer than
 * timeoutMs. After that, onNext(raw) gets each `next` frame and onEnd(reason)
 * is called once if the subscription or socket ends. `operations` ({ id,
 * query, variables } each) subscribes several on one socket, as an app does;
 * an empty list only connects (a user who opened the app). `localAddress`
 * (127.0.0.x) picks the source address: each one has its own ~28,000
 * ephemeral ports towards the server, so more addresses allow more sockets.
 */
export function subscribe({ url, token, query = MESSAGE_ADDED, variables, onNext, onEnd, timeoutMs = 30_000, id = '1', operations = [{ id, query, variables }], localAddress }) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, skipUTF8Validation: true, ...(localAddress ? { localAddress } : {}) });
    let acked = false;
    let ended = false;
    const end = (reason) => {
      if (ended) return;
      ended = true;
      if (!acked) reject(new Error(reason));
      else onEnd?.(reason);
    };
    const timer = setTimeout(() => {
      end(`no connection_ack within ${timeoutMs} ms`);
      socket.terminate();
    }, timeoutMs);
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    });
    socket.on('message', (data) => {
      const text = data.toString();
      // `next` is by far the most frequent frame: test for it without parsing.
      if (acked && text.startsWith('{"id":') && text.includes('"type":"next"')) {
        onNext(text);
        return;
      }
      const frame = JSON.parse(text);
      if (frame.type === 'connection_ack') {
        acked = true;
        clearTimeout(timer);
        for (const op of operations) socket.send(JSON.stringify({ id: op.id, type: 'subscribe', payload: { query: op.query, variables: op.variables } }));
        resolve(socket);
      } else if (frame.type === 'next') {
        onNext(text);
      } else if (frame.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (frame.type === 'error') {
        end(`subscription error: ${JSON.stringify(frame.payload).slice(0, 200)}`);
      } else if (frame.type === 'complete') {
        end('subscription completed by the server');
      }
    });
    socket.on('error', (error) => end(`socket error: ${error.message}`));
    socket.on('close', (code, reason) => {
      clearTimeout(timer);
      end(`socket closed ${code} ${reason.toString()}`);
    });
  });
}

/**
 * { seq, body } of the message inside a `next` frame. The load core reads up
 * to ~100,000 of these a second, so the two fields are cut out of the text;
 * anything unusual (an escaped quote in the body, an error payload) takes
 * the JSON.parse path.
 */
export function messageOf(raw) {
  const seqAt = raw.indexOf('"seq":');
  const seqEnd = seqAt < 0 ? -1 : raw.indexOf(',', seqAt);
  const bodyAt = seqEnd < 0 ? -1 : raw.indexOf('"body":"', seqEnd);
  const bodyEnd = bodyAt < 0 ? -1 : raw.indexOf('"', bodyAt + 8);
  if (bodyEnd > 0 && raw.charCodeAt(bodyEnd - 1) !== 92) {
    const seq = Number(raw.slice(seqAt + 6, seqEnd));
    if (Number.isInteger(seq)) return { seq, body: raw.slice(bodyAt + 8, bodyEnd) };
  }
  return JSON.parse(raw).payload?.data?.messageAdded ?? null;
}
