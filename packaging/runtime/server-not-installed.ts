// Stands in for `cordon server` and `cordon start` in the cordon-agent package, which carries no server: the
// server is its own package (cordon-server), so a workstation never holds a database engine it does not run.
import { EXIT, type Command } from '../../cli/command.ts';

function elsewhere(name: string): Command {
  return {
    name,
    usage: `cordon ${name}: not part of the cordon-agent package; install cordon-server and run cordon-server instead`,
    run() {
      process.stderr.write(`cordon ${name}: the server is not installed here. Install the cordon-server package (apt install cordon-server, dnf install cordon-server); it runs as cordon-server.service.\n`);
      return Promise.resolve(EXIT.usage);
    },
  };
}

export const serverCommand = elsewhere('server');
export const startCommand = elsewhere('start');
