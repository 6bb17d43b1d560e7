// `node --import tsx --import ./register.ts dist/main/main.js`: resolves `electron` to the recording stand-in
// (through tsx's own resolver, which then compiles it).
import { register } from 'node:module';

const standIn = new URL('./electron.ts', import.meta.url).href;
register(
  `data:text/javascript,${encodeURIComponent(`export async function resolve(s, c, next) { return next(s === 'electron' ? ${JSON.stringify(standIn)} : s, c); }`)}`,
);
