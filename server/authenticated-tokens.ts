// Hashes of the bearer tokens that recently passed authentication. Only these get a rate-limit budget of their
// own (agents behind one NAT must not share one); a missing, made-up or revoked token counts against its client
// address, so random tokens cannot mint fresh budgets or flush real ones out of the limiter's cache.
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    authenticatedTokens: AuthenticatedTokens;
  }
}

export class AuthenticatedTokens {
  /** Insertion order is recency: the oldest entry goes first when the bound is reached. */
  private readonly hashes = new Set<string>();

  constructor(private readonly max = 100_000) {}

  has(hash: string): boolean {
    return this.hashes.has(hash);
  }

  add(hash: string): void {
    this.hashes.delete(hash);
    this.hashes.add(hash);
    if (this.hashes.size > this.max) this.hashes.delete(this.hashes.values().next().value!);
  }

  static install(app: FastifyInstance, max?: number): void {
    app.decorate('authenticatedTokens', new AuthenticatedTokens(max));
  }

  /** Called by the device and admin authentication once a token is known to be real. */
  static note(request: FastifyRequest, hash: string): void {
    request.server.authenticatedTokens.add(hash);
  }
}
