// PostgreSQL text and jsonb cannot hold NUL characters or unpaired UTF-16 surrogates. Such input is refused up
// front with a 400 that says where, instead of failing deep in an INSERT.
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-error.ts';

// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function findUnstorable(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) return `${path} (a field name)`;
    const found = findUnstorable(child, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function installTextSafetyHook(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
      const where = findUnstorable(value, part);
      if (where) throw new HttpError(400, 'invalid-request', `${where}: contains a NUL character or an unpaired surrogate, which cannot be stored`);
    }
  });
}
