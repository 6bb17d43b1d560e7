// Turns every failure into the contract's error body. Clients see where and what; never a stack trace.
import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError } from './http-error.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/events/0/id` → `events[0].id`, so the message reads like the policy core's paths. */
function pointerToPath(context: string, pointer: string): string {
  let out = context;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`;
  }
  return out;
}

function describeValidation(context: string, errors: AjvError[]): string {
  return errors
    .slice(0, 5)
    .map((e) => {
      const where = pointerToPath(context, e.instancePath);
      if (e.keyword === 'additionalProperties') return `${where}.${String(e.params.additionalProperty)}: unknown field`;
      if (e.keyword === 'required') return `${where}.${String(e.params.missingProperty)}: is required`;
      return `${where}: ${e.message ?? e.keyword}`;
    })
    .join('; ');
}

// Connection failures and PostgreSQL's "cannot serve now" classes: the client should retry, not give up.
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08006']);

function databaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (typeof code === 'string' && UNAVAILABLE.has(code)) || /Connection terminated|connect ECONNREFUSED/.test((err as Error).message ?? '');
}

function codeOf(err: FastifyError): string {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'body-too-large';
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'unsupported-media-type';
  if (err.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return 'bad-content-length';
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) return 'malformed-json';
  if (err.statusCode === 429) return 'rate-limited';
  return 'bad-request';
}

/** A path can be 16 KiB; the message names it, it need not repeat all of it. */
function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof HttpError) {
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, problems: err.problems?.map(({ path, message, line, column }) => ({ path, message, line, column })) } });
    }
    if (err.validation) {
      return reply.status(400).send({ error: { code: 'invalid-request', message: describeValidation(err.validationContext ?? 'body', err.validation as AjvError[]) } });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message = err instanceof SyntaxError ? `body is not valid JSON: ${err.message}` : err.message;
      return reply.status(status).send({ error: { code: codeOf(err), message } });
    }
    if (databaseUnavailable(err)) {
      request.log.warn({ err }, 'database unavailable');
      return reply.status(503).header('retry-after', '30').send({ error: { code: 'unavailable', message: 'the database is unavailable; retry later' } });
    }
    request.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal', message: `internal error (request ${request.id}); the server log has the details` } });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'not-found', message: `no route ${request.method} ${truncate(request.url.split('?')[0]!, 200)}` } });
  });
}
