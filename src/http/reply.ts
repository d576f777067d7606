import type * as http from 'node:http';

// What a handler answers (a Reply) and how it goes out: the common headers, HEAD without a body,
// and bodies of several blocks written one after another as the client reads them.

export interface HttpResponseBody {
  contentType: string;
  /** Text, or UTF-8 blocks sent one after another (the /metrics exposition: no giant string). */
  body: string | Buffer[];
  /** Called once the body was sent or the response was abandoned (the blocks may then be reused). */
  sent?: () => void;
}

export interface ProbeResponse extends HttpResponseBody {
  status: number;
}

export interface Reply extends HttpResponseBody {
  status: number;
  headers?: Record<string, string>;
}

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';
export const HTML = 'text/html; charset=utf-8';

export function text(status: number, body: string, headers?: Record<string, string>): Reply {
  return { status, contentType: TEXT, body: body.endsWith('\n') ? body : `${body}\n`, headers };
}

export function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value)}\n`, ...(headers ? { headers } : {}) };
}

/**
 * Sends `reply` unless a response already went out (or the connection is gone). `reply.sent` runs
 * once the response is closed, or at once when nothing is sent. `closing`: the server is shutting
 * down, so the connection is not kept alive.
 */
export function sendReply(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply, closing: boolean): void {
  if (reply.sent) {
    const sent = reply.sent;
    if (res.headersSent || res.destroyed) sent();
    else res.once('close', sent);
  }
  if (res.headersSent || res.destroyed) return;
  const blocks = typeof reply.body === 'string' ? [Buffer.from(reply.body, 'utf8')] : reply.body;
  res.statusCode = reply.status;
  res.setHeader('Content-Type', reply.contentType);
  res.setHeader(
    'Content-Length',
    blocks.reduce((n, b) => n + b.length, 0),
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (closing) res.setHeader('Connection', 'close');
  if (req.method === 'HEAD') res.end();
  else void writeBlocks(res, blocks);
}

/** Writes the blocks in turn, waiting for the socket to drain when the client reads slowly. */
async function writeBlocks(res: http.ServerResponse, blocks: Buffer[]): Promise<void> {
  const last = blocks.length - 1;
  for (let i = 0; i < last; i++) {
    if (res.destroyed) return;
    if (!res.write(blocks[i])) await drained(res);
  }
  if (!res.destroyed) res.end(blocks[last]);
}

/** Resolves once `res` can take more data, or is closed. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
