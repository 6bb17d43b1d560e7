// The shell lines that manage a package's config files (ConfigFromTemplate): created from the template when
// absent, given their owner and mode every time (a preseeded file included), deleted only on purge.
import type { PackageDefinition } from './package-definitions.ts';

export function installConfigsScript(def: PackageDefinition): string {
  return def.configs
    .map((c) =>
      [
        `if [ ! -e ${c.path} ]; then`,
        `  mkdir -p ${c.path.slice(0, c.path.lastIndexOf('/'))}`,
        `  cp ${c.template} ${c.path}`,
        'fi',
        `chown ${c.owner} ${c.path}`,
        `chmod ${c.mode} ${c.path}`,
      ].join('\n'),
    )
    .join('\n');
}

export function purgeConfigsScript(def: PackageDefinition): string {
  return def.configs.map((c) => `  rm -f ${c.path} ${c.path}.dpkg-old`).join('\n');
}
