// The version agents report (status, heartbeats, events): the package's own.
import pkg from '../package.json' with { type: 'json' };

export const AGENT_VERSION: string = pkg.version;
