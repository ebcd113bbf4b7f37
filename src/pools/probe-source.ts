import { Agent, request } from 'undici';
import { PullError } from './pull-error.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/**
 * One bounded request for the first byte of a URL source before the downloader starts:
 * the downloader retries refused connections and server errors for many minutes, so a
 * source that is down, missing or offline gets a clear answer here instead (issue 15 §4).
 */
export async function probeSource(url: string, timeoutMs: number): Promise<void> {
  const dispatcher = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  try {
    const answer = await request(url, { method: 'GET', headers: { range: 'bytes=0-0' }, dispatcher });
    await answer.body.dump();
    const status = answer.statusCode;
    if (status === 404 || status === 410) throw new PullError(`${url}: no such file (HTTP ${status}). Check the URL.`);
    if (status === 401 || status === 403) throw new PullError(`${url}: access refused (HTTP ${status}). A gated or private file needs a token the server accepts.`);
    if (status >= 400) throw new PullError(`${url}: the server answered HTTP ${status}${status >= 500 ? '; it failed on its side, try again later' : ''}.`);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'UND_ERR_HEADERS_TIMEOUT') throw new PullError(`${url}: no answer within ${timeoutMs / 1000} s. Check the server, then run the same command again.`);
    if (code && UNREACHABLE.has(code)) throw new PullError(`${url}: cannot connect (${code}). Check the network (are you offline?) and the address.`);
    throw error instanceof PullError ? error : new PullError(`${url}: ${message}`);
  } finally {
    await dispatcher.close();
  }
}
