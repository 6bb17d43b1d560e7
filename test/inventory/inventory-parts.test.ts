// The pieces around the pass: whose homes, which mounts are skipped, which locations exist, the agent's job.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { globLiteralPrefix, installLocations, userInstallLocations } from '../../agent/inventory/install-locations.ts';
import { InventoryJob } from '../../agent/inventory/inventory-job.ts';
import { MountFilter, skippedMounts } from '../../agent/inventory/mount-filter.ts';
import { userHomes } from '../../agent/inventory/user-homes.ts';
import type { AgentEvent } from '../../agent/status-types.ts';
import { builtInPolicy, Matcher } from '../../policy/index.ts';
import { createLocalUser, localUsersUnavailable, removeLocalUser, runAs } from '../support/local-users.ts';
import { installNpxCache, tempRoot } from '../support/tool-homes.ts';

let root: string;
before(() => (root = tempRoot('inventory-parts')));
after(() => rmSync(root, { recursive: true, force: true }));

describe('user homes', () => {
  test('as root: every account whose home exists, once; placeholders and missing homes skipped', () => {
    for (const h of ['alice', 'bob']) mkdirSync(join(root, 'home', h), { recursive: true });
    const passwd = join(root, 'passwd');
    writeFileSync(
      passwd,
      [
        'root:x:0:0:root:/root:/bin/bash',
        'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
        'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
        `alice:x:1000:1000::${root}/home/alice:/bin/bash`,
        `bob:x:1001:1001::${root}/home/bob/:/bin/zsh`,
        `alice2:x:1002:1002::${root}/home/alice:/bin/bash`,
        `gone:x:1003:1003::${root}/home/gone:/bin/bash`,
        '# comment',
      ].join('\n'),
    );
    const homes = userHomes({ passwdPath: passwd, asRoot: true });
    assert.deepEqual(
      homes.filter((h) => h.home.startsWith(root)).map((h) => [h.user, h.home]),
      [
        ['alice', `${root}/home/alice`],
        ['bob', `${root}/home/bob`],
      ],
    );
    assert.ok(!homes.some((h) => h.home === '/usr/sbin' || h.home === '/nonexistent'));
  });

  // Run as a real, different account: its name and uid must come from who runs the pass, its home from $HOME when
  // set and from the passwd entry when not, and nobody else's home may appear.
  test('as a user: only that user, with their uid, $HOME or else their passwd home', { skip: localUsersUnavailable() }, async () => {
    const user = createLocalUser('home');
    try {
      const passwdHome = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user.name}:`))!.split(':')[5]!;
      assert.notEqual(passwdHome, process.env.HOME);
      const homesAs = async (env: NodeJS.ProcessEnv) => {
        const r = await runAs(user, process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'user-homes-probe.ts')], { cwd: process.cwd(), env });
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as unknown;
      };
      const { HOME: _home, ...withoutHome } = process.env;
      const elsewhere = join(root, 'home-from-env');
      assert.deepEqual(await homesAs({ ...withoutHome, HOME: elsewhere }), [{ user: user.name, uid: user.uid, home: elsewhere }]);
      assert.deepEqual(await homesAs(withoutHome), [{ user: user.name, uid: user.uid, home: passwdHome }]);
    } finally {
      removeLocalUser(user);
    }
  });
});

describe('mount filter', () => {
  const mountinfo = [
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '40 27 0:50 / /home/alice/nfs rw,relatime - nfs4 server:/export rw',
    '41 27 0:51 / /mnt/my\\040drive rw,relatime - fuse.sshfs me@host: rw',
    '42 27 0:52 / /home/bob/data rw,relatime - xfs /dev/vdb rw',
    '43 27 0:53 / /proc rw - proc proc rw',
  ].join('\n');

  test('network, FUSE and virtual file systems are skipped; local disks are not', () => {
    assert.deepEqual(skippedMounts(mountinfo), ['/home/alice/nfs', '/mnt/my drive', '/proc']);
    const f = new MountFilter(skippedMounts(mountinfo));
    assert.equal(f.skips('/home/alice/nfs/project'), true);
    assert.equal(f.skips('/home/alice/nfsx'), false);
    assert.equal(f.skips('/mnt/my drive'), true);
    assert.equal(f.skips('/home/bob/data/x'), false);
    assert.equal(f.skips('/'), false);
  });

  test('this machine\'s own mountinfo parses', () => {
    assert.ok(skippedMounts().includes('/proc'));
  });
});

describe('install locations', () => {
  test('a home yields package-manager, cache, Python, Homebrew, user-bin and catalog installer locations', () => {
    const home = join(root, 'home', 'alice');
    mkdirSync(join(home, '.nvm', 'versions', 'node', 'v22.1.0'), { recursive: true });
    writeFileSync(join(home, '.npmrc'), 'prefix=~/custom-prefix\n');
    const locs = userInstallLocations({ user: 'alice', home }, { platform: 'linux', catalogGlobs: ['~/.claude/local/**', '~/.local/share/claude/versions/*', '/Applications/Goose.app/**'] });
    const has = (rel: string, shape: string) => locs.some((l) => l.dir === join(home, rel) && l.shape === shape && l.user === 'alice');
    assert.ok(has('.npm-global/lib/node_modules', 'packages'));
    assert.ok(has('custom-prefix/lib/node_modules', 'packages'), 'prefix from ~/.npmrc');
    assert.ok(has('.nvm/versions/node/v22.1.0/bin', 'bin'), 'every nvm Node');
    assert.ok(has('.npm/_npx', 'node-modules-search'));
    assert.ok(has('.cache/pnpm/dlx', 'node-modules-search'));
    assert.ok(has('.bun/install/global/node_modules', 'packages'));
    assert.ok(has('.local/pipx/venvs', 'venvs'));
    assert.ok(has('.local/share/uv/tools', 'venvs'));
    assert.ok(has('.linuxbrew/Cellar', 'brew'));
    assert.ok(has('.local/bin', 'bin'));
    assert.ok(has('.claude/local', 'tree'));
    assert.ok(has('.local/share/claude/versions', 'tree'));
    assert.ok(!locs.some((l) => l.dir.includes('Goose.app')), 'absolute globs are machine locations');
  });

  test('machine locations include PATH, Homebrew and the catalog\'s absolute locations, de-duplicated', () => {
    const locs = installLocations([], { platform: 'darwin', env: { PATH: '/usr/local/bin:/opt/tools/bin:relative' }, catalogGlobs: ['/Applications/Goose.app/**'] });
    assert.ok(locs.some((l) => l.dir === '/opt/tools/bin' && l.shape === 'bin' && l.via === 'path'));
    assert.ok(!locs.some((l) => l.dir === 'relative'));
    assert.ok(locs.some((l) => l.dir === '/opt/homebrew/Caskroom' && l.shape === 'brew'));
    assert.ok(locs.some((l) => l.dir === '/Applications' && l.shape === 'tree'));
    assert.equal(locs.filter((l) => l.dir === '/usr/local/bin' && l.shape === 'bin').length, 1);
    assert.deepEqual(globLiteralPrefix('/Applications/Goose.app/**'), { dir: '/Applications/Goose.app', rest: 1, recursive: true });
  });
});

describe('inventory job', () => {
  test('start recovers, runs a first pass, records its events and exposes what is installed', async () => {
    const home = join(root, 'home', 'job');
    mkdirSync(home, { recursive: true });
    const codex = installNpxCache('codex', home);
    const events: AgentEvent[] = [];
    const job = new InventoryJob({ stateDir: join(root, 'job-state'), matcher: () => new Matcher(builtInPolicy()), record: (e) => events.push(e), homes: [{ user: 'job', home }] });
    await job.start(3600);
    try {
      assert.deepEqual(job.installed.filter((i) => i.path === codex.packageDir).map((i) => [i.toolId, i.state, i.via]), [['codex', 'not-allowed', 'npx-cache']]);
      assert.ok(events.some((e) => e.type === 'install-found' && e.toolId === 'codex'));
      const [a, b] = await Promise.all([job.runNow(), job.runNow()]);
      assert.equal(a, b, 'an on-demand pass joins the one running');
    } finally {
      await job.stop();
    }
  });
});
