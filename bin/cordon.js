#!/usr/bin/env node
// Entry point for `npx cordon …`: runs the TypeScript sources through tsx's loader.
// Packaged builds run the compiled dist/ instead (see electron-builder.yml).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
