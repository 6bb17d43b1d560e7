// Where the IT-managed agent configuration lives, apart from its validation (YAML, TypeBox), so that an agent can
// see there is none without loading them.
import { join } from 'node:path';

/** Where IT tools (MDM, Intune, Ansible, Jamf) drop the file on each OS. */
export function managedConfigPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (env.CORDON_CONFIG) return env.CORDON_CONFIG;
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'Cordon', 'agent.yaml');
  if (platform === 'darwin') return '/Library/Application Support/Cordon/agent.yaml';
  return '/etc/cordon/agent.yaml';
}
