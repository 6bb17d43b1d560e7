// The API suite against a real PostgreSQL cluster started on loopback for this run.
import { after } from 'node:test';
import { postgresSkipReason, startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.ts';
import { apiSuite } from './api-suite.ts';

const skip = postgresSkipReason();
let cluster: PostgresCluster | undefined;
after(() => cluster?.stop());

apiSuite('PostgreSQL', {
  skip,
  databaseUrl: async () => {
    cluster = await startPostgresCluster();
    return cluster.createDatabase('cordon_api');
  },
});
