// Bodies are JSON in UTF-8 only: a body declared in another charset (UTF-7 …) would be read as UTF-8 anyway,
// so it is refused rather than misread.
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-error.ts';

export function installCharsetHook(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const type = request.headers['content-type'];
    if (!type) return;
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
    if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new HttpError(415, 'unsupported-media-type', `content-type: charset ${charset} is not accepted; send UTF-8`);
  });
}
