// Entry point of the packaged `cordon` (dist/cli/cordon-entry.js, run by the bundled Node runtime that the
// agent services use); bin/cordon.js is the source-tree equivalent through tsx.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
