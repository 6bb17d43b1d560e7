// npm run bench:policy — observations/second for the compiled matcher on a realistic mix, side by side with
// the naive alternative (one case-insensitive regex over the command line), plus what each gets wrong; and what
// the server spends issuing one device its bundle (effective policy, compile, digest, Ed25519 signature).
import { createHash, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInCatalog, builtInPolicy, canonicalJson, compilePolicy, generateSigningKey, Matcher, signBundle, type ProcessObservation } from '../../policy/index.ts';
import { builtInPolicyDocument, effectivePolicyDocument } from '../../server/effective-policy.ts';
import { materialize, NEGATIVE, POSITIVE, resolveCase } from '../fixtures/matcher-corpus.ts';
import { BenchRecord } from './bench-record.ts';

const BUNDLES = Number(process.env.BENCH_BUNDLES ?? 300);
const record = new BenchRecord('policy', { seconds: 1.5, bundles: BUNDLES });

const root = mkdtempSync(join(tmpdir(), 'cordon-bench-'));
materialize(root);
const policy = builtInPolicy();

function liveProcesses(): ProcessObservation[] {
  const out: ProcessObservation[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let exe: string | null = null;
      try {
        exe = readlinkSync(`/proc/${name}/exe`);
      } catch {
        exe = null;
      }
      out.push({ pid: Number(name), ppid: 0, uid: 0, startTime: 0, exe, argv });
    } catch {
      // the process exited while we looked
    }
  }
  return out;
}

const corpus = [...POSITIVE, ...NEGATIVE].map((c, i) => {
  const r = resolveCase(c, root);
  return { expect: c.expect, obs: { pid: 100000 + i, ppid: 1, uid: 1000, startTime: 1, exe: r.exe, argv: r.argv, cwd: () => r.cwd ?? null } as ProcessObservation };
});
const live = liveProcesses();
// A realistic mix: what a workstation's process table looks like (mostly innocent), plus the corpus.
const mix: ProcessObservation[] = [];
for (let i = 0; i < 20; i++) mix.push(...live);
mix.push(...corpus.map((c) => c.obs));

const names = policy.tools.flatMap((t) => [t.id, ...(t.signatures.executables ?? [])]);
const naive = new RegExp(names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
const naiveMatch = (o: ProcessObservation) => naive.test(`${o.exe ?? ''} ${o.argv.join(' ')}`);

function rate(fn: (o: ProcessObservation) => unknown, seconds = 1.5): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < limit) {
    for (const o of mix) fn(o);
    n += mix.length;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

const warm = new Matcher(policy);
for (const o of mix) warm.matchProcess(o);
const warmRate = rate((o) => warm.matchProcess(o));
let cold = new Matcher(policy);
let coldCount = 0;
const coldRate = rate((o) => {
  if (++coldCount % mix.length === 0) cold = new Matcher(policy);
  return cold.matchProcess(o);
});
const naiveRate = rate(naiveMatch);

const check = new Matcher(policy);
const matcherFP = corpus.filter((c) => c.expect === null && check.matchProcess(c.obs) !== null).length;
const matcherFN = corpus.filter((c) => c.expect !== null && check.matchProcess(c.obs)?.toolId !== c.expect).length;
const naiveFP = corpus.filter((c) => c.expect === null && naiveMatch(c.obs)).length;
const naiveFN = corpus.filter((c) => c.expect !== null && !naiveMatch(c.obs)).length;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`policy matcher benchmark — ${mix.length} observations per round (${live.length} live processes × 20 + ${corpus.length} corpus cases), ${policy.tools.length} tools`);
console.log('');
console.log('| matcher | observations/s | vs naive | false positives | missed |');
console.log('|---|---:|---:|---:|---:|');
console.log(`| Cordon matcher, warm caches | ${fmt(warmRate)} | ${(warmRate / naiveRate).toFixed(2)}× | ${matcherFP}/${NEGATIVE.length} | ${matcherFN}/${POSITIVE.length} |`);
console.log(`| Cordon matcher, cold (new matcher per round) | ${fmt(coldRate)} | ${(coldRate / naiveRate).toFixed(2)}× | | |`);
console.log(`| naive regex over the command line | ${fmt(naiveRate)} | 1.00× | ${naiveFP}/${NEGATIVE.length} | ${naiveFN}/${POSITIVE.length} |`);

// What PolicyBundles.reissue does per device once the policy changed, minus its database round trips.
const catalog = builtInCatalog();
const key = createPrivateKey(generateSigningKey().privateKeyPem);
const base = builtInPolicyDocument();
const issue = (i: number) => {
  const compiled = compilePolicy(effectivePolicyDocument(base, [], [], `device-${i}`, catalog), catalog);
  createHash('sha256').update(canonicalJson({ groups: [], policy: compiled })).digest('hex');
  return signBundle({ serial: 1, issuedAt: new Date().toISOString(), device: `device-${i}`, groups: [], policy: compiled }, key);
};
for (let i = 0; i < 20; i++) issue(i); // warm-up
const c0 = process.cpuUsage();
const w0 = performance.now();
for (let i = 0; i < BUNDLES; i++) issue(i);
const bundleWallMs = (performance.now() - w0) / BUNDLES;
const cpu = process.cpuUsage(c0);
const bundleCpuMs = (cpu.user + cpu.system) / 1000 / BUNDLES;
console.log('');
console.log(`server: issuing one device its bundle (effective policy + compile + digest + sign), ${BUNDLES} devices: ${bundleCpuMs.toFixed(2)} ms CPU (${bundleWallMs.toFixed(2)} ms wall) each`);
console.log(`  -> a fleet-wide push to 100,000 devices within one 300 s sync window: ${((100_000 / 300) * bundleCpuMs / 10).toFixed(0)} % of one core`);

record.write({
  observationsPerRound: mix.length,
  liveProcesses: live.length,
  corpusCases: corpus.length,
  tools: policy.tools.length,
  observationsPerSecond: { matcherWarm: Math.round(warmRate), matcherCold: Math.round(coldRate), naiveRegex: Math.round(naiveRate) },
  ratioToNaive: { matcherWarm: warmRate / naiveRate, matcherCold: coldRate / naiveRate },
  falsePositives: { matcher: matcherFP, naiveRegex: naiveFP, of: NEGATIVE.length },
  missed: { matcher: matcherFN, naiveRegex: naiveFN, of: POSITIVE.length },
  bundleIssue: { devices: BUNDLES, cpuMsEach: bundleCpuMs, wallMsEach: bundleWallMs, coreShareFor100kDevicesIn300s: ((100_000 / 300) * bundleCpuMs) / 1000 },
});
