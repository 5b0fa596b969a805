import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The body's bytes, up to `limit`. Listeners rather than `for await`: the
 * stream's async iterator costs several promises per request, on the path
 * every send takes. Past the limit the request is destroyed, as leaving a
 * `for await` early destroys it.
 */
function readChunks(req: IncomingMessage, limit: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error: BodyError | null) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (error) reject(error);
      else resolve(chunks);
    };
    // The client went away mid-body: its doing, and nobody is left to answer.
    const closedEarly = () => new BodyError(400, 'The client closed the connection before sending the whole body');
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      done(new BodyError(413, `Request body is larger than ${limit} bytes`));
      req.destroy();
    };
    const onEnd = () => done(null);
    const onError = () => done(closedEarly());
    const onClose = () => {
      if (!req.complete) done(closedEarly());
    };
    if (req.readableEnded) return resolve(chunks);
    if (req.destroyed) return reject(closedEarly());
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Reads a request body up to `limit` bytes; JSON bodies come back parsed. */
export async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyError(413, `Request body is larger than ${limit} bytes`);
  const chunks = await readChunks(req, limit);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!/json/i.test(req.headers['content-type'] ?? '')) return text;
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError(400, 'Request body is not valid JSON');
  }
}
