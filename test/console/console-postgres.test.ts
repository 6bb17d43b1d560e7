// The admin console against a server on a real PostgreSQL cluster started on loopback for this run.
import { after } from 'node:test';
import { postgresSkipReason, startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.ts';
import { consoleSuite } from './console-suite.ts';

let cluster: PostgresCluster | undefined;
after(() => cluster?.stop());

consoleSuite('PostgreSQL', {
  skip: postgresSkipReason(),
  screenshots: false,
  databaseUrl: async () => {
    cluster = await startPostgresCluster();
    return cluster.createDatabase('cordon_console');
  },
});
