// Child for inventory-parts.test.ts: prints what userHomes() finds for whoever runs it, not as root.
import { userHomes } from '../../agent/inventory/user-homes.ts';

process.stdout.write(JSON.stringify(userHomes({ asRoot: false })));
