// The two Linux packages: what each installs where, its service and what its maintainer scripts do beyond
// enabling and starting that service. Both formats (.deb, .rpm) are built from these.
import type { AppFlavour } from '../runtime/bundle-app.ts';

export interface PackagedFile {
  /** Repo-relative source. */
  from: string;
  /** Absolute path on the installed system. */
  to: string;
  mode: number;
  /** A file in /etc the package manager never overwrites once the administrator has it. */
  config?: boolean;
}

/**
 * A file in /etc the package creates from its template only when absent and never overwrites. Not a dpkg
 * conffile: dpkg stops at a prompt (and fails unattended) when the file already exists before the first
 * install, which is exactly what configuration management does (drop the file, then install).
 */
export interface ConfigFromTemplate {
  template: string;
  path: string;
  mode: string;
  owner: string;
}

export interface PackageDefinition {
  name: 'cordon-agent' | 'cordon-server';
  flavour: AppFlavour;
  /** Where the runtime (node + app/) goes. */
  libDir: string;
  unit: string;
  /** The unit file, repo-relative. */
  unitFile: string;
  stateDir: string;
  summary: string;
  description: string;
  files: PackagedFile[];
  configs: ConfigFromTemplate[];
  /** Shell run first in postinst (deb) / %post (rpm), before the service is enabled. */
  prepare: string;
  /** Shell run on purge (deb) after the state dir is deleted. */
  purge: string;
  purgeWhat: string;
  debDepends: string[];
}

const AGENT: PackageDefinition = {
  name: 'cordon-agent',
  flavour: 'agent',
  libDir: '/usr/lib/cordon',
  unit: 'cordon-agent.service',
  unitFile: 'packaging/linux/cordon-agent.service',
  stateDir: '/var/lib/cordon',
  summary: 'Cordon agent: keeps banned AI coding CLIs off this workstation',
  description: [
    'The Cordon endpoint agent runs as a system service (cordon-agent.service)',
    'and stops the AI coding CLIs that the signed policy bans, explaining why on',
    'the terminal where they were started. It syncs its policy from a Cordon',
    'server once enrolled (cordon enrol). Includes the cordon command and its',
    'own Node runtime.',
  ].join('\n'),
  files: [
    { from: 'packaging/linux/cordon', to: '/usr/bin/cordon', mode: 0o755 },
    { from: 'packaging/linux/man/cordon.1', to: '/usr/share/man/man1/cordon.1.gz', mode: 0o644 },
    { from: 'packaging/linux/lintian/cordon-agent', to: '/usr/share/lintian/overrides/cordon-agent', mode: 0o644 },
    { from: 'packaging/linux/agent.yaml', to: '/usr/share/cordon/agent.yaml', mode: 0o644 },
    { from: 'packaging/linux/cordon-tray.desktop', to: '/etc/xdg/autostart/cordon-tray.desktop', mode: 0o644, config: true },
  ],
  // Root-only whoever wrote it: it may hold the enrolment secret.
  configs: [{ template: '/usr/share/cordon/agent.yaml', path: '/etc/cordon/agent.yaml', mode: '0600', owner: 'root:root' }],
  prepare: '',
  purge: '',
  purgeWhat: '',
  debDepends: ['libc6 (>= 2.28)', 'libgcc-s1', 'libstdc++6 (>= 5.2)'],
};

const SERVER: PackageDefinition = {
  name: 'cordon-server',
  flavour: 'server',
  libDir: '/usr/lib/cordon-server',
  unit: 'cordon-server.service',
  unitFile: 'packaging/linux/cordon-server.service',
  stateDir: '/var/lib/cordon-server',
  summary: 'Cordon server: policy distribution, enrolment, events and fleet status',
  description: [
    'The Cordon central server runs as a system service (cordon-server.service)',
    'under its own system user, cordon, keeping its data in /var/lib/cordon-server:',
    'an embedded database by default, PostgreSQL with DATABASE_URL or',
    '--database-url in /etc/cordon/server.env. Includes its own Node runtime.',
  ].join('\n'),
  files: [
    { from: 'packaging/linux/cordon-server', to: '/usr/bin/cordon-server', mode: 0o755 },
    { from: 'packaging/linux/man/cordon-server.1', to: '/usr/share/man/man1/cordon-server.1.gz', mode: 0o644 },
    { from: 'packaging/linux/lintian/cordon-server', to: '/usr/share/lintian/overrides/cordon-server', mode: 0o644 },
    { from: 'packaging/linux/server.env', to: '/usr/share/cordon-server/server.env', mode: 0o644 },
  ],
  prepare: [
    'if ! getent passwd cordon >/dev/null; then',
    '  useradd --system --user-group --home-dir /var/lib/cordon-server --no-create-home --shell /usr/sbin/nologin --comment "Cordon server" cordon',
    'fi',
  ].join('\n'),
  // May hold a database password: root writes it, the service's group reads it.
  configs: [{ template: '/usr/share/cordon-server/server.env', path: '/etc/cordon/server.env', mode: '0640', owner: 'root:cordon' }],
  purge: ['  userdel cordon >/dev/null 2>&1 || true', '  groupdel cordon >/dev/null 2>&1 || true'].join('\n'),
  purgeWhat: ' and the cordon system user',
  debDepends: ['libc6 (>= 2.28)', 'libgcc-s1', 'libstdc++6 (>= 5.2)', 'passwd'],
};

export const PACKAGES = { agent: AGENT, server: SERVER } as const;

export type Compression = 'release' | 'fast';

export const MAINTAINER = 'IT Security <security@example.com>';
export const HOMEPAGE = 'https://github.com/cordon/cordon';
