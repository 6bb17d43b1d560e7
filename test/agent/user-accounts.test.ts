// Where user names and homes come from, per platform. Linux for real: accounts made with useradd are named and
// homed through getent, including one added after the directory was first read. macOS: the dscacheutil and dscl
// parsers on hand-written listings in those tools' documented formats (see test/fixtures/accounts/README.md), and
// the /Users scan on a real directory tree owned by real accounts.
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { platformAccountSource, type Account } from '../../agent/process/account-source.ts';
import { accountsFromDscl, DirectoryServiceAccounts, parseDscacheutilUsers } from '../../agent/process/directory-service-accounts.ts';
import { PasswdAccounts, parsePasswd } from '../../agent/process/passwd-accounts.ts';
import { UserDirectory } from '../../agent/process/user-directory.ts';
import { userHomes } from '../../agent/inventory/user-homes.ts';
import { createLocalUser, localUsersUnavailable, removeLocalUser, type LocalUser } from '../support/local-users.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/accounts', name), 'utf8');

describe('platform choice', () => {
  test('Linux asks the name service, macOS the directory service, Windows has no account source', () => {
    assert.ok(platformAccountSource('linux') instanceof PasswdAccounts);
    assert.ok(platformAccountSource('darwin') instanceof DirectoryServiceAccounts);
    assert.equal(platformAccountSource('win32'), undefined);
  });
});

describe('Linux accounts (real, useradd)', { skip: localUsersUnavailable() }, () => {
  test('names and homes of new accounts, one added after the first read included, through getent', () => {
    let first: LocalUser | undefined;
    let second: LocalUser | undefined;
    try {
      first = createLocalUser('acc');
      const directory = new UserDirectory();
      assert.equal(directory.nameOf(first.uid), first.name);
      const passwdLine = (name: string) => readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))!;
      assert.equal(directory.homeOf(first.uid), passwdLine(first.name).split(':')[5]);
      second = createLocalUser('acd');
      assert.equal(directory.nameOf(second.uid), second.name, 'an account added after the first read');
      removeLocalUser(second);
      const goneUid = second.uid;
      second = undefined;
      assert.equal(new UserDirectory().nameOf(goneUid), undefined, 'a removed account is no longer named');
      // getent answers what the file holds for local accounts, and the parser reads the file the same way.
      const fromGetent = new PasswdAccounts().list();
      const fromFile = parsePasswd(readFileSync('/etc/passwd', 'utf8'));
      assert.deepEqual(fromGetent.find((a) => a.uid === first!.uid), fromFile.find((a) => a.uid === first!.uid));
    } finally {
      removeLocalUser(first);
      removeLocalUser(second);
    }
  });

  test('a uid the listing lacks (a directory that does not enumerate) is asked for by itself with getent, once a minute at most', () => {
    let user: LocalUser | undefined;
    try {
      user = createLocalUser('acf');
      const asked: number[] = [];
      const real = new PasswdAccounts();
      const directory = new UserDirectory({ list: () => [], changeStamp: () => 'fixed', find: (uid) => (asked.push(uid), real.find(uid)) });
      assert.equal(directory.nameOf(user.uid), user.name);
      assert.equal(directory.nameOf(4_000_000_001), undefined);
      assert.equal(directory.nameOf(4_000_000_001), undefined);
      assert.deepEqual(asked, [user.uid, 4_000_000_001], 'an unknown uid is not asked for again within the minute');
      // Many distinct unknown uids (a range of subordinate uids): at most 20 questions a minute in all.
      for (let uid = 4_000_001_000; uid < 4_000_001_100; uid++) directory.nameOf(uid);
      assert.equal(asked.length, 20);
    } finally {
      removeLocalUser(user);
    }
  });

  test('passwd parsing: comments, short lines and bad uids skipped; the first entry for a uid names it', () => {
    const accounts = parsePasswd(['# c', 'root:x:0:0:root:/root:/bin/bash', 'toor:x:0:0::/root:/bin/sh', 'short:x:1', 'bad:x:abc:1::/h:/bin/sh', 'neg:x:-5:1::/h:/bin/sh', ''].join('\n'));
    assert.deepEqual(accounts.map((a) => a.name), ['root', 'toor']);
    const dir = mkdtempSync(join(tmpdir(), 'cordon-passwd-'));
    try {
      const path = join(dir, 'passwd');
      writeFileSync(path, 'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n');
      assert.equal(new UserDirectory(path).nameOf(0), 'root');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('macOS directory service (hand-written listings in the documented formats)', () => {
  const alice: Account = { uid: 501, name: 'alice', home: '/Users/alice', shell: '/bin/zsh' };

  test('dscacheutil -q user: every block with a name and a non-negative uid, network accounts included', () => {
    const accounts = parseDscacheutilUsers(fixture('macos-dscacheutil-user.handwritten.txt'));
    assert.deepEqual(accounts.map((a) => [a.name, a.uid]), [['root', 0], ['_spotlight', 89], ['alice', 501], ['b.marley', 1834201117]]);
    assert.deepEqual(accounts.find((a) => a.uid === 501), alice);
    assert.equal(accounts.find((a) => a.name === 'b.marley')?.home, '/Users/b.marley');
  });

  test('dscl . -list /Users: UniqueID, NFSHomeDirectory and UserShell joined by record name (homes with spaces kept)', () => {
    const accounts = accountsFromDscl(fixture('macos-dscl-UniqueID.handwritten.txt'), fixture('macos-dscl-NFSHomeDirectory.handwritten.txt'), fixture('macos-dscl-UserShell.handwritten.txt'));
    assert.deepEqual(accounts.find((a) => a.uid === 501), alice);
    assert.deepEqual(accounts.find((a) => a.uid === 502), { uid: 502, name: 'carol', home: '/Users/Carol Lewis', shell: '/bin/bash' });
    assert.ok(!accounts.some((a) => a.name === 'nobody'), 'negative uids are not accounts');
  });

  test('one uid: dscacheutil -q user -a uid N', () => {
    const calls: string[][] = [];
    const block = fixture('macos-dscacheutil-user.handwritten.txt').split('\n\n').find((b) => b.includes('uid: 1834201117'))!;
    const source = new DirectoryServiceAccounts((file, args) => (calls.push([file, ...args]), `${block}\n\n`));
    assert.deepEqual(source.find(1834201117), { uid: 1834201117, name: 'b.marley', home: '/Users/b.marley', shell: '/bin/zsh' });
    assert.deepEqual(calls, [['/usr/bin/dscacheutil', '-q', 'user', '-a', 'uid', '1834201117']]);
  });

  test('the source runs dscacheutil, falls back to dscl when it fails, with argv and absolute tool paths', () => {
    const calls: string[][] = [];
    const listings: Record<string, string> = {
      UniqueID: fixture('macos-dscl-UniqueID.handwritten.txt'),
      NFSHomeDirectory: fixture('macos-dscl-NFSHomeDirectory.handwritten.txt'),
      UserShell: fixture('macos-dscl-UserShell.handwritten.txt'),
    };
    const fromCache = new DirectoryServiceAccounts((file, args) => (calls.push([file, ...args]), fixture('macos-dscacheutil-user.handwritten.txt')));
    assert.equal(new UserDirectory(fromCache).nameOf(1834201117), 'b.marley');
    assert.deepEqual(calls, [['/usr/bin/dscacheutil', '-q', 'user']]);
    calls.length = 0;
    const fromDscl = new DirectoryServiceAccounts((file, args) => {
      calls.push([file, ...args]);
      if (file.endsWith('dscacheutil')) throw new Error('opendirectoryd not answering');
      return listings[args[3]!]!;
    });
    assert.equal(new UserDirectory(fromDscl).homeOf(502), '/Users/Carol Lewis');
    assert.deepEqual(calls.slice(1), [['/usr/bin/dscl', '.', '-list', '/Users', 'UniqueID'], ['/usr/bin/dscl', '.', '-list', '/Users', 'NFSHomeDirectory'], ['/usr/bin/dscl', '.', '-list', '/Users', 'UserShell']]);
  });

  test('homes under /Users: listed accounts, plus directories owned by an unlisted person; root-owned and links skipped', { skip: localUsersUnavailable() }, () => {
    let person: LocalUser | undefined;
    const users = mkdtempSync(join(tmpdir(), 'cordon-Users-'));
    try {
      person = createLocalUser('mac');
      for (const d of ['alice', 'Shared', 'netuser', 'orphan', '.localized']) mkdirSync(join(users, d));
      chownSync(join(users, 'netuser'), person.uid, person.gid);
      chownSync(join(users, 'orphan'), 4242, 4242);
      symlinkSync('/etc', join(users, 'link'));
      // The directory service lists alice with her home, and the person with a home elsewhere (not cached now).
      const listed = [
        { uid: 501, name: 'alice', home: join(users, 'alice'), shell: '/bin/zsh' },
        { uid: person.uid, name: person.name, home: '/nonexistent', shell: '/bin/zsh' },
      ];
      const directory = new UserDirectory({ list: () => listed, changeStamp: () => 'fixed', find: () => undefined });
      const homes = userHomes({ directory, asRoot: true, platform: 'darwin', usersRoot: users });
      assert.deepEqual(homes.map((h) => [h.user, h.uid, h.home]), [
        ['alice', 501, join(users, 'alice')],
        [person.name, person.uid, join(users, 'netuser')],
        ['orphan', 4242, join(users, 'orphan')],
      ]);
      assert.deepEqual(userHomes({ directory, asRoot: true, platform: 'linux', usersRoot: users }).map((h) => h.user), ['alice'], '/Users is scanned on macOS only');
    } finally {
      removeLocalUser(person);
      rmSync(users, { recursive: true, force: true });
    }
  });
});
