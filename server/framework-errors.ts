// The refusals Fastify and Node's HTTP parser make before any route runs (a malformed or over-long URL, bytes that
// are not HTTP, headers too large, a request that never finishes) answered in the server's `{error: {code, message}}`
// shape like every route's own, and never echoing the client's bytes back.
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';

/** Fastify's router limit on one path parameter (its default, named so the message can say it). */
export const MAX_PARAM_LENGTH = 100;

/** The `frameworkErrors` option: errors Fastify's router raises before a request has a route. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send({ error: { code: 'uri-too-long', message: `a path parameter is longer than ${MAX_PARAM_LENGTH} characters` } });
  } else if (err.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send({ error: { code: 'bad-url', message: 'the URL path is not valid percent-encoded UTF-8' } });
  } else {
    request.log.error({ err }, 'routing failed');
    void reply.status(500).send({ error: { code: 'internal', message: `internal error (request ${request.id}); the server log has the details` } });
  }
}

interface ClientError extends Error {
  code?: string;
}

/** What a parser failure says to the client: status, code and a message naming the HTTP rule broken. */
export function clientErrorAnswer(err: ClientError): { status: number; code: string; message: string } {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'request-timeout', message: 'the request was not received in time' };
  if (err.code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'headers-too-large', message: 'the request line and headers are larger than the server accepts' };
  // llhttp's reason codes (HPE_INVALID_METHOD, HPE_UNEXPECTED_CONTENT_LENGTH, …) are fixed names, safe to repeat.
  const reason = typeof err.code === 'string' && /^HPE_[A-Z_]+$/.test(err.code) ? ` (${err.code})` : '';
  return { status: 400, code: 'malformed-http', message: `the request is not valid HTTP/1.1${reason}` };
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/**
 * The `clientErrorHandler` option: Node's parser refused the bytes on a connection. Answers once, then closes it;
 * a response already under way on that connection is not interleaved with another (as Node's own handler does).
 */
export function clientErrorHandler(err: ClientError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const answer = clientErrorAnswer(err);
    const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
    socket.write(`HTTP/1.1 ${answer.status} ${REASONS[answer.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/** The Fastify options that route the framework's own refusals through the functions above. */
export function frameworkErrorOptions(requestTimeoutMs: number): Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler' | 'requestTimeout' | 'routerOptions'> {
  return {
    frameworkErrors,
    clientErrorHandler,
    // A request (headers and body) must arrive within this; slow-drip clients are answered 408 and dropped.
    requestTimeout: requestTimeoutMs,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  };
}
