// Run as a child process by hostile-files.test.ts: points every reader the agent uses on user files at the hostile
// files under argv[2], and prints what each returned as one JSON line. A reader that blocks hangs this child (the
// test kills it after a timeout and fails): the parent test process itself must never block.
import { join } from 'node:path';
import { builtInPolicy, Matcher, NodeFileProbe } from '../../policy/index.ts';
import { runInventoryPass } from '../../agent/inventory/inventory-pass.ts';
import { HOSTILE_KINDS } from './hostile-files.ts';

const root = process.argv[2]!;
const probe = new NodeFileProbe();
const out: Record<string, unknown> = {};
const show = (b: Buffer | null) => (b === null ? null : `${b.length} bytes`);
for (const kind of HOSTILE_KINDS) {
  const file = join(root, 'files', kind, 'x');
  out[`read head ${kind}`] = show(probe.read(file, 'head', 4096));
  out[`read tail ${kind}`] = show(probe.read(file, 'tail', 4096));
  out[`readAt ${kind}`] = show(probe.readAt(file, 0, 64));
  out[`packageName ${kind}`] = probe.packageManifest(join(root, 'manifests', kind));
}
// Inventory of a home whose .npmrc and a global package's package.json are FIFOs.
const result = await runInventoryPass({
  stateDir: join(root, 'state'),
  matcher: new Matcher(builtInPolicy()),
  homes: [{ user: 'trap', home: join(root, 'home') }],
  machine: false,
  processPaths: false,
});
out.inventory = result.installed.map((i) => `${i.toolId} ${i.path}`);
process.stdout.write(`${JSON.stringify(out)}\n`);
