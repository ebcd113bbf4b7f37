import { connect, Socket } from 'node:net';

export interface RawRequest {
  method: string;
  path: string;
  /** Name/value pairs; a value goes out as its UTF-8 bytes, as a hostile client would send it. */
  headers: string[];
  body?: string;
}

export interface RawAnswer {
  status: number;
  /** The bytes after the header block, as sent (a chunked body keeps its framing). */
  text: string;
}

/**
 * A socket whose failed writes do not close it. A server may answer before it has read the
 * whole request (a 400 for a bad URL, a 431) and then close; the body still in its buffers
 * makes its kernel send a reset, and the client's next write fails with EPIPE or ECONNRESET.
 * The answer is already in the client's kernel, which keeps it readable after the reset, but
 * net.Socket destroys itself, and drops that answer unread, on any write error. Here a write
 * error only stops further writes, so the answer is read (RFC 9112 §9.5: a client sending a
 * body watches for an early answer).
 */
class AnswerReadingSocket extends Socket {
  writeError: Error | undefined;

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.writeError) return callback();
    super._write(chunk, encoding, (error?: Error | null) => {
      if (error) this.writeError = error;
      callback();
    });
  }
}

/**
 * Sends one HTTP/1.1 request over a fresh connection (`Connection: close`) and resolves
 * with the status line's code however early the server answered, even if it closed or
 * reset the connection while the body was still going out. Rejects only when the
 * connection ends with no status line: a request that got no answer.
 */
export function rawRequest(url: string, request: RawRequest, idleTimeoutMs = 30_000): Promise<RawAnswer> {
  const { hostname, port, host } = new URL(url);
  const lines = [`${request.method} ${request.path} HTTP/1.1`, `host: ${host}`, 'connection: close'];
  for (let i = 0; i < request.headers.length; i += 2) {
    const value = Buffer.from(request.headers[i + 1]!.replace(/[\r\n\u0000]/g, ''), 'utf8').toString('latin1');
    lines.push(`${request.headers[i]}: ${value}`);
  }
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  if (body) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');

  return new Promise((resolve, reject) => {
    const socket = new AnswerReadingSocket();
    const received: Buffer[] = [];
    let readError: Error | undefined;
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (error) => (readError = error));
    socket.setTimeout(idleTimeoutMs, () => socket.destroy(new Error(`no answer within ${idleTimeoutMs} ms of silence`)));
    socket.on('close', () => {
      const answer = Buffer.concat(received).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
      if (status) {
        const bodyStart = answer.indexOf('\r\n\r\n');
        resolve({ status: Number(status), text: bodyStart === -1 ? '' : Buffer.from(answer.slice(bodyStart + 4), 'latin1').toString('utf8') });
        return;
      }
      const why = [socket.writeError, readError].filter(Boolean).map((error) => error!.message).join(', ');
      reject(new Error(`the connection closed with no status line${why ? ` (${why})` : ''}; received ${answer.length} bytes`));
    });
    // One write of the whole request, after connecting: net.Socket then goes through
    // _write alone (never _writev), so every write error passes through the override above.
    // No end(): Node's HTTP server takes a client's half-close as giving up on the request.
    socket.connect({ host: hostname, port: Number(port) }, () => socket.write(body ? Buffer.concat([head, body]) : head));
  });
}

/** An error body as every gpuroute server writes it. */
export type ErrorBody = { detail: string; error: { message: string; type: string; param: string | null; code: string } };

/** Sends raw bytes (and, unless `keepOpen`, ends its side) and reads what comes back until the server closes the connection. */
export function rawExchange(url: string, request: string, { keepOpen = false } = {}): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => (keepOpen ? socket.write(request) : socket.end(request)));
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString('utf8')));
    socket.on('close', () => resolve(received));
    // A reset after the answer (the server closed with unread bytes) still leaves the answer.
    socket.on('error', (error) => (received ? resolve(received) : reject(error)));
  });
}

/** Status, lower-cased header block and JSON error body of a `rawExchange` answer. */
export function parseRaw(answer: string): { status: number; headers: string; body: ErrorBody } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body: JSON.parse(body) as ErrorBody };
}
