// What a page gets: where to draw, the URL it was opened with, who is signed in, and how to go elsewhere.
import type { Session } from './api.ts';

export interface PageContext {
  main: HTMLElement;
  url: URL;
  params: Record<string, string>;
  session: Session;
  navigate(path: string): void;
  /** Announces a result to screen readers and shows it. */
  announce(message: string, kind?: 'ok' | 'error'): void;
}

export const canChange = (ctx: PageContext): boolean => ctx.session.role === 'admin';
